/**
 * The TCP face of the controller: accepts any number of persistent connections, serves each
 * with a session, and shuts down cleanly (workers get a `bye`). `attach` serves an in-memory
 * stream the same way, for tests.
 */
import * as net from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { Controller } from "./controller";
import { isLoopback, listenWithRetry, type BoundAddress } from "./listen";
import { serveConnection, type Session, type SessionOptions } from "./session";

export interface SearchServerOptions extends SessionOptions {
  readonly controller: Controller;
  readonly logger: Logger;
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
   * Listens on host:port (retrying a busy port, see listenWithRetry). Warns loudly when the
   * address is reachable from other machines and no shared secret is set.
   */
  async listen(options: { host?: string; port: number; retrySeconds: number }): Promise<BoundAddress> {
    const server = net.createServer(
      { noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 },
      (socket) => {
        if (this.closing) return socket.destroy();
        this.sockets.add(socket);
        socket.once("close", () => this.sockets.delete(socket));
        this.attach(socket);
      },
    );
    server.maxConnections = 100_000;
    this.tcp = server;
    const bound = await listenWithRetry(server, { ...options, logger: this.opts.logger });
    this.address = bound;
    if (!this.opts.secret && !isLoopback(options.host)) {
      this.opts.logger.warn(
        { host: bound.host, port: bound.port },
        `SECURITY WARNING: listening on ${options.host ? options.host : "all interfaces"} port ${bound.port} WITHOUT a shared secret: ` +
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
