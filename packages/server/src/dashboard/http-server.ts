/**
 * The dashboard's HTTP server (node:http, no framework: a handful of GET routes). Serves the
 * page and its bundle from @segnas/dashboard-ui's dist by path, the JSON endpoints documented in
 * docs/dashboard.md, and server-sent events with a cursor: each event's id is a revision, and a
 * client that reconnects with Last-Event-ID (or ?after=) gets only what changed since.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { SegnasError, type SearchSpace } from "@segnas/core";
import { ASSETS_DIR, pageHtml } from "@segnas/dashboard-ui";
import type { Logger } from "pino";
import { isLoopback } from "../listen";
import { COOKIE, checkAuth, cookieValue } from "./auth";
import type { DashboardFeed } from "./feed";
import { trialFiles, trialLog, resolveTrialFile } from "./trial-files";

export interface DashboardServerOptions {
  readonly feed: DashboardFeed;
  readonly space: SearchSpace;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  /** SEGNAS.SECRET ("" = none). Required when `host` is not a loopback address. */
  readonly secret: string;
  /** Periodic refresh while clients watch (running spans, elapsed); default 1000 ms. */
  readonly tickMs?: number;
}

interface Client {
  readonly res: http.ServerResponse;
  cursor: number;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};
/** A client that does not read its events gets no more until its socket drains (it catches up then). */
const MAX_BUFFERED = 4 * 1024 * 1024;

export class DashboardServer {
  private readonly server: http.Server;
  private readonly clients = new Set<Client>();
  private readonly secret: string | null;
  private ticker: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  url = "";

  constructor(private readonly opts: DashboardServerOptions) {
    const loopback = isLoopback(opts.host);
    if (!loopback && !opts.secret) {
      throw new SegnasError(
        "SEGNAS_E_CONFIG",
        `the dashboard would listen on ${opts.host}, which is not a loopback address, without a secret: set SEGNAS.SECRET (or env SEGNAS_SECRET), bind SEGNAS.DASHBOARD_ADDRESS 127.0.0.1, or turn it off with SEGNAS.DASHBOARD_PORT 0`,
      );
    }
    this.secret = loopback ? null : opts.secret;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new SegnasError(
            "SEGNAS_E_CONFIG",
            `the dashboard cannot listen on ${this.opts.host}:${this.opts.port}: ${err.code ?? err.message}; choose another SEGNAS.DASHBOARD_PORT (0 turns the dashboard off)`,
          ),
        );
      };
      this.server.once("error", onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off("error", onError);
        resolve();
      });
    });
    const addr = this.server.address() as { port: number };
    const host = this.opts.host.includes(":") ? `[${this.opts.host}]` : this.opts.host;
    this.url = `http://${host}:${addr.port}/${this.secret ? `?token=${encodeURIComponent(this.secret)}` : ""}`;
    this.unsubscribe = this.opts.feed.onChange(() => this.push());
    this.ticker = setInterval(() => {
      if (this.clients.size > 0) {
        this.opts.feed.tick();
        this.push();
      }
    }, this.opts.tickMs ?? 1000);
    this.ticker.unref();
    this.keepAlive = setInterval(() => {
      for (const c of this.clients) c.res.write(": keep-alive\n\n");
    }, 15_000);
    this.keepAlive.unref();
    this.opts.logger.info({ url: this.url }, `dashboard ${this.url}`);
    return this.url;
  }

  get port(): number {
    return (this.server.address() as { port: number } | null)?.port ?? 0;
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.unsubscribe?.();
    // A last update so open pages show the final state, then end the streams.
    this.push();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }

  private push(): void {
    const rev = this.opts.feed.revision;
    for (const c of this.clients) {
      if (c.cursor >= rev && rev > 0) continue;
      if (c.res.writableLength > MAX_BUFFERED) continue;
      this.send(c);
    }
  }

  private send(c: Client): void {
    const u = this.opts.feed.update(c.cursor);
    c.res.write(`id: ${u.rev}\nevent: update\ndata: ${JSON.stringify(u)}\n\n`);
    c.cursor = u.rev;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      this.route(req, res);
    } catch (err) {
      this.opts.logger.warn({ err }, `dashboard: ${req.url} failed`);
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      else res.end();
    }
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const auth = checkAuth(req, url, this.secret);
    if (auth === "denied") {
      json(res, 401, {
        error: "this dashboard needs its token: open the URL the server printed (…/?token=SEGNAS.SECRET)",
      });
      return;
    }
    if (auth === "set-cookie") {
      url.searchParams.delete("token");
      res.writeHead(303, {
        location: url.pathname + (url.search || ""),
        "set-cookie": `${COOKIE}=${cookieValue(this.secret as string)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    const feed = this.opts.feed;
    const p = url.pathname;
    const after = Number(url.searchParams.get("after") ?? 0) || 0;
    if (p === "/" || p === "/index.html") {
      send(res, 200, "text/html; charset=utf-8", pageHtml({ title: "segnas dashboard" }));
      return;
    }
    if (p.startsWith("/assets/")) {
      const name = path.basename(p);
      const file = path.join(ASSETS_DIR, name);
      if (!TYPES[path.extname(name)] || !fs.existsSync(file)) {
        json(res, 404, {
          error: `no asset ${name}: the dashboard bundle is built by \`npm run build:ui\` (npm ci does it)`,
        });
        return;
      }
      res.writeHead(200, {
        "content-type": TYPES[path.extname(name)] as string,
        "cache-control": "no-cache",
      });
      fs.createReadStream(file).pipe(res);
      return;
    }
    if (p === "/api/study") return json(res, 200, feed.study());
    if (p === "/api/trials") return json(res, 200, { rev: feed.revision, trials: feed.trials(after) });
    if (p === "/api/workers") return json(res, 200, { workers: feed.workers(), spans: feed.timeline(after) });
    if (p === "/api/snapshot") return json(res, 200, feed.snapshot());
    if (p === "/api/events") return this.events(req, res, url);
    const m = /^\/api\/trials\/(\d+)(?:\/(arch|files|file\/(.+)))?$/.exec(p);
    if (m) {
      const t = feed.trial(Number(m[1]));
      if (!t) return json(res, 404, { error: `no trial ${m[1]}` });
      if (!m[2]) return json(res, 200, t);
      if (m[2] === "arch") {
        res.setHeader("content-disposition", `attachment; filename="trial-${t.id}-arch.json"`);
        let arch: unknown = null;
        try {
          arch = this.opts.space.decode(t.tokens);
        } catch {
          arch = null;
        }
        return json(res, 200, {
          space: this.opts.space.name,
          trial: t.id,
          tokens: t.tokens,
          arch,
          params: t.params,
          flops: t.flops,
          reward: t.reward,
          curve: t.curve,
        });
      }
      if (m[2] === "files") return json(res, 200, { files: trialFiles(t), log: trialLog(t) });
      const file = resolveTrialFile(t, decodeURIComponent(m[3] ?? ""));
      if (!file) return json(res, 404, { error: "no such file for this trial on the server's host" });
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${path.basename(file).replace(/"/g, "")}"`,
      });
      fs.createReadStream(file).pipe(res);
      return;
    }
    json(res, 404, { error: `no route ${p}; see docs/dashboard.md` });
  }

  private events(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const last = Number(req.headers["last-event-id"] ?? 0) || 0;
    const cursor = Math.max(last, Number(url.searchParams.get("after") ?? 0) || 0);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const client: Client = { res, cursor };
    this.clients.add(client);
    req.on("close", () => this.clients.delete(client));
    this.opts.feed.tick();
    this.send(client);
  }
}

function send(res: http.ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { "content-type": type, "cache-control": "no-cache" });
  res.end(body);
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  send(res, code, "application/json; charset=utf-8", JSON.stringify(body));
}
