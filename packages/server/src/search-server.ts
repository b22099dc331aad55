/**
 * The TCP face of the controller: accepts any number of persistent connections, serves each
 * with a session, and shuts down cleanly (workers get a `bye`). `attach` serves an in-memory
 * stream the same way, for tests.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { SegnasError } from "@segnas/core";
import type { Logger } from "pino";
import type { Controller } from "./controller";
import { isLoopback, listenWithRetry, type BoundAddress } from "./listen";
import { serveConnection, type Session, type SessionOptions } from "./session";

export interface SearchServerOptions extends SessionOptions {
  readonly controller: Controller;
  readonly logger: Logger;
}

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
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
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
    server.maxConnections = 100_000;
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
