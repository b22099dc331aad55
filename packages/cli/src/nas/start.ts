/**
 * Starting the pieces of a distributed search from a loaded config: the controller (with its
 * run directory and server.json), a worker, and the signal handling both share.
 */
import * as path from "node:path";
import { launchServer, type LaunchedServer } from "@segnas/server";
import {
  parseAddress,
  runWorker,
  tlsClientOptionsFromConfig,
  type TrialRunner,
  type WorkerSummary,
} from "@segnas/worker";
import { SegnasError } from "@segnas/core";
import type { Logger } from "pino";
import { connectHostFor, displayPath, removeServerInfo, writeServerInfo, type NasConfig } from "./config";
import { howToGoOn } from "./finish";
import { makeRunner } from "./runner";
import { coreStrategies } from "./strategies";

export interface StartServerOptions {
  readonly runDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly importPaddleSlim?: string;
  /** Print "listening on ..." on stdout (default true). */
  readonly announce?: boolean;
  /** Warn instead of refusing an open address without a secret (default SEGNAS.ALLOW_NO_SECRET). */
  readonly allowNoSecret?: boolean;
  /** Hand the study's failed trials out again. */
  readonly retryFailed?: boolean;
}

export async function startServer(
  nc: NasConfig,
  logger: Logger,
  opts: StartServerOptions,
): Promise<LaunchedServer> {
  const launched = await launchServer({
    config: nc.cfg,
    runDir: opts.runDir,
    logger,
    strategies: coreStrategies(),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.importPaddleSlim ? { importPaddleSlim: path.resolve(opts.importPaddleSlim) } : {}),
    ...(opts.allowNoSecret !== undefined ? { allowNoSecret: opts.allowNoSecret } : {}),
    ...(opts.retryFailed ? { retryFailed: true } : {}),
  });
  // Resuming a finished study: say so, and how to go on, before anything else happens.
  if (launched.resumed && launched.controller.finished !== undefined) logger.warn(howToGoOn(launched));
  const a = launched.address;
  if (a) {
    writeServerInfo(opts.runDir, {
      host: a.host,
      port: a.port,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    // Gone with the process (a kill -9 leaves it behind: `segnas status` then finds nobody there).
    process.once("exit", () => removeServerInfo(opts.runDir, process.pid));
    const s = launched.controller.study.state;
    const line =
      `segnas server listening on ${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}` +
      `${nc.cfg.SEGNAS.TLS_CERT ? " over TLS" : ""}, ` +
      `study ${s.studyId} ${launched.resumed ? `resumed at ${s.completed}` : "started at 0"}/${s.settings.searchSteps} steps, ` +
      `run directory ${displayPath(opts.runDir)}`;
    if (opts.announce !== false) process.stdout.write(`${line}\n`);
    // Humans read the stdout line; the log record is for log files (--json).
    logger[opts.announce === false ? "info" : "debug"](
      { host: a.host, port: a.port, runDir: opts.runDir },
      line,
    );
  }
  return launched;
}

export interface StartWorkerOptions {
  readonly host: string;
  readonly port: number;
  readonly runDir: string;
  readonly backend?: string;
  readonly logSteps?: number;
  readonly useMpio?: boolean;
  readonly workerId?: string;
  readonly signal?: AbortSignal;
  /** Wraps the trial runner (the live status block watches trials this way). */
  readonly wrapRunner?: (runner: TrialRunner) => TrialRunner;
}

export function startWorker(nc: NasConfig, logger: Logger, opts: StartWorkerOptions): Promise<WorkerSummary> {
  const made = makeRunner(nc, {
    logger,
    ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
    ...(opts.logSteps !== undefined ? { logSteps: opts.logSteps } : {}),
    ...(opts.useMpio !== undefined ? { useMpio: opts.useMpio } : {}),
  });
  const runner = opts.wrapRunner ? opts.wrapRunner(made) : made;
  const secret = nc.cfg.SEGNAS.SECRET || undefined;
  const tls = tlsClientOptionsFromConfig(nc.cfg);
  return runWorker({
    host: opts.host,
    port: opts.port,
    ...(secret ? { secret } : {}),
    ...(tls ? { tls } : {}),
    runner,
    trialRoot: path.join(opts.runDir, "trials"),
    logger,
    connectRetrySeconds: nc.cfg.SEGNAS.CONNECT_RETRY_SECONDS,
    maxWorkerFailures: nc.cfg.SEGNAS.WORKER_MAX_FAILURES,
    ...(opts.workerId ? { workerId: opts.workerId } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** The server a worker should use: --address, else SLIM.NAS_ADDRESS:SLIM.NAS_PORT. */
export function serverAddressOf(nc: NasConfig, address?: string): { host: string; port: number } {
  if (address) return parseAddress(address);
  const host = nc.cfg.SLIM.NAS_ADDRESS;
  if (!host) {
    throw new SegnasError(
      "SEGNAS_E_CONFIG",
      `a worker needs the server's address: set SLIM.NAS_ADDRESS (e.g. SLIM.NAS_ADDRESS "10.0.0.5") or pass --address host:port ` +
        `(SLIM.NAS_ADDRESS "" only means "all interfaces" for a server)`,
    );
  }
  return { host, port: nc.cfg.SLIM.NAS_PORT };
}

/** Address for a worker in the same process/host as a server bound to `bound`. */
export function localAddressOf(launched: LaunchedServer): { host: string; port: number } {
  const a = launched.address;
  if (!a) throw new SegnasError("SEGNAS_E_INTERNAL", "the server is not listening");
  return { host: connectHostFor(a.host), port: a.port };
}

/**
 * First SIGINT/SIGTERM: `onStop` (graceful); a second one exits at once. Returns an uninstaller.
 */
export function onSignals(logger: Logger, onStop: (signal: string) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    logger.warn(`${signal}: stopping (again to exit at once)`);
    onStop(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
