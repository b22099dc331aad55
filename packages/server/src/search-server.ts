/**
 * The TCP face of the controller: accepts any number of persistent connections, serves each
 * with a session, and shuts down cleanly (workers get a `bye`). `attach` serves an in-memory
 * stream the same way, for tests.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { SegnasError } from "@segnas/core";
import { encodeFrame, errorMessage } from "@segnas/protocol";
import type { Logger } from "pino";
import type { Controller } from "./controller";
import { isLoopback, listenWithRetry, type BoundAddress } from "./listen";
import { serveConnection, type Session, type SessionOptions } from "./session";

export interface SearchServerOptions extends SessionOptions {
  readonly controller: Controller;
  readonly logger: Logger;
  /** TCP connections held at once (SEGNAS.MAX_CONNECTIONS; default 4096). */
  readonly maxConnections?: number;
  /** TCP connections from one remote address (SEGNAS.MAX_CONNECTIONS_PER_ADDRESS; default 1024). */
  readonly maxConnectionsPerAddress?: number;
}

/** A refusal is logged at most this often per address (a reconnect storm is one line, not thousands). */
const REFUSAL_LOG_MS = 10_000;

/**
 * Throws InsecureServerError for a non-loopback address without a secret (unless allowed);
 * returns whether the address is open that way (then the caller warns).
 */
export function refuseOpenWithoutSecret(o: {
  host?: string;
  secret?: string;
  allowNoSecret?: boolean;
}): boolean {
  const open = !o.secret && !isLoopback(o.host);
  if (open && !o.allowNoSecret) {
    throw new SegnasError(
      "SEGNAS_E_INSECURE",
      `refusing to listen on ${o.host ? o.host : "all interfaces"} without a shared secret: anyone who can reach the ` +
        `port could take trials and report fake rewards. Set SEGNAS_SECRET (or SEGNAS.SECRET) to the same value on ` +
        `the server and every worker (e.g. export SEGNAS_SECRET=$(openssl rand -hex 16)), bind to 127.0.0.1 with ` +
        `SLIM.NAS_ADDRESS, or accept the risk with SEGNAS.ALLOW_NO_SECRET True`,
      { host: o.host ?? "" },
    );
  }
  return open;
}

export class SearchServer {
  private readonly sessions = new Set<Session>();
  private readonly sockets = new Set<net.Socket>();
  private readonly perAddress = new Map<string, number>();
  private readonly refusals = new Map<string, { lastLog: number; count: number }>();
  private refusedCount = 0;
  private tcp: net.Server | null = null;
  private closing = false;
  address: BoundAddress | null = null;

  constructor(private readonly opts: SearchServerOptions) {}

  get controller(): Controller {
    return this.opts.controller;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Connections refused for the limits since the start. */
  get refusedConnections(): number {
    return this.refusedCount;
  }

  /** Serves one already-connected stream (a socket, or one end of an in-memory pair). */
  attach(stream: Duplex): Session {
    const log = this.opts.logger;
    const session = serveConnection(this.opts.controller, stream, this.opts, log);
    this.sessions.add(session);
    void session.done.finally(() => this.sessions.delete(session));
    return session;
  }

  /**
   * Listens on host:port (retrying a busy port, see listenWithRetry), over TLS when `tls` holds a
   * certificate and key. An address reachable from other machines without a shared secret is
   * refused (anyone could take trials and report fake rewards) unless `allowNoSecret`, which
   * only warns.
   */
  async listen(options: {
    host?: string;
    port: number;
    retrySeconds: number;
    tls?: tls.TlsOptions | null;
    allowNoSecret?: boolean;
  }): Promise<BoundAddress> {
    const open = refuseOpenWithoutSecret({ ...options, secret: this.opts.secret });
    const where = options.host ? options.host : "all interfaces";
    const onSocket = (socket: net.Socket): void => {
      if (this.closing) return void socket.destroy();
      const address = socket.remoteAddress;
      if (address === undefined) return void socket.destroy(); // already gone
      const refusal = this.overLimit(address);
      if (refusal) return this.refuse(socket, address, refusal);
      this.sockets.add(socket);
      this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
      socket.once("close", () => {
        this.sockets.delete(socket);
        const n = (this.perAddress.get(address) ?? 1) - 1;
        if (n > 0) this.perAddress.set(address, n);
        else this.perAddress.delete(address);
      });
      this.attach(socket);
    };
    const netOptions = { noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 };
    let server: net.Server;
    if (options.tls) {
      const secure = tls.createServer({ ...netOptions, ...options.tls }, onSocket);
      // A plain-TCP worker, a wrong client or a port scanner: the socket is gone, say why once each.
      secure.on("tlsClientError", (err, socket) => {
        this.opts.logger.warn(
          { remote: socket.remoteAddress, error: (err as NodeJS.ErrnoException).code ?? err.message },
          `TLS handshake from ${socket.remoteAddress ?? "?"} failed (${err.message}); ` +
            `workers of a TLS server need SEGNAS.TLS_CA set to the CA of its SEGNAS.TLS_CERT`,
        );
      });
      server = secure;
    } else server = net.createServer(netOptions, onSocket);
    // Node's own cap silently drops the connection; ours (overLimit) tells the peer why. Some
    // slack above ours so that a refusal can still be written.
    server.maxConnections = this.maxTotal + 64;
    this.tcp = server;
    const bound = await listenWithRetry(server, { ...options, logger: this.opts.logger });
    this.address = bound;
    if (open) {
      this.opts.logger.warn(
        { host: bound.host, port: bound.port },
        `SECURITY WARNING: listening on ${where} port ${bound.port} WITHOUT a shared secret: ` +
          `anyone who can reach this port can take trials and report fake rewards. Set SEGNAS.SECRET (or the ` +
          `SEGNAS_SECRET environment variable) on the server and every worker, or bind to 127.0.0.1 with SLIM.NAS_ADDRESS.`,
      );
    }
    return bound;
  }

  private get maxTotal(): number {
    return this.opts.maxConnections ?? 4096;
  }

  /** Why a new connection from `address` must be refused, or null. */
  private overLimit(address: string): string | null {
    const perMax = this.opts.maxConnectionsPerAddress ?? 1024;
    if (this.sockets.size >= this.maxTotal)
      return `the server holds its maximum of ${this.maxTotal} connections (SEGNAS.MAX_CONNECTIONS)`;
    if ((this.perAddress.get(address) ?? 0) >= perMax)
      return `the server holds its maximum of ${perMax} connections from ${address} (SEGNAS.MAX_CONNECTIONS_PER_ADDRESS)`;
    return null;
  }

  /** Says why in an error frame, then closes (a peer that does not read is cut off after 1 s). */
  private refuse(socket: net.Socket, address: string, why: string): void {
    this.refusedCount++;
    const err = new SegnasError(
      "SEGNAS_E_TOO_MANY_CONNECTIONS",
      `connection refused: ${why}; retry later, or raise the limit on the server`,
      { address },
    );
    socket.on("error", () => undefined);
    socket.end(encodeFrame(errorMessage(err)));
    setTimeout(() => socket.destroy(), 1000).unref();
    const now = performance.now();
    const r = this.refusals.get(address) ?? { lastLog: -Infinity, count: 0 };
    r.count++;
    if (this.refusals.size > 10_000) this.refusals.clear();
    this.refusals.set(address, r);
    if (now - r.lastLog < REFUSAL_LOG_MS) return;
    const since = r.count;
    r.lastLog = now;
    r.count = 0;
    this.opts.logger.warn(
      { address, refused: since, connections: this.sockets.size },
      `refused ${since === 1 ? "a connection" : `${since} connections`} from ${address}: ${why}`,
    );
  }

  /** Stops accepting, says goodbye to every connection and waits (bounded) for them to close. */
  async close(reason = "server shutting down"): Promise<void> {
    this.closing = true;
    const tcp = this.tcp;
    const closed = tcp ? new Promise<void>((resolve) => tcp.close(() => resolve())) : Promise.resolve();
    this.opts.controller.close();
    await Promise.all(
      [...this.sessions].map((s) =>
        Promise.race([s.channel.close(reason), new Promise((r) => setTimeout(r, 2000).unref())]),
      ),
    );
    for (const s of this.sessions) s.channel.destroy(reason);
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
