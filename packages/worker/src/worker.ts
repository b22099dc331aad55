/**
 * The worker: ask the controller for a trial, run it through the TrialRunner, heartbeat while it
 * runs (every HEARTBEAT_SECONDS and after each epoch, with the latest mIoU), report the result,
 * repeat until the controller says done.
 *
 * The trial runs independently of the connection: if the server goes away (crash, restart,
 * network), the trial keeps training while the worker reconnects with backoff; then it
 * heartbeats again, and a result that was not acknowledged is sent again (the server answers a
 * repeat with `duplicate: true`, so nothing is counted twice). "stop" from the server abandons
 * the trial (its lease went to another worker, or the search is over).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Duplex } from "node:stream";
import { SegnasError, WorkerFailedError, isSegnasError } from "@segnas/core";
import {
  MessageChannel,
  RemoteError,
  clientHandshake,
  type BestTrial,
  type Capabilities,
  type DoneMessage,
  type FailMessage,
  type TellMessage,
  type TrialMessage,
  type WaitMessage,
  type WelcomeMessage,
  type TlsClientOptions,
} from "@segnas/protocol";
import type { Logger } from "pino";
import { RETRY_FIRST_MS, RETRY_MAX_MS, connectWithRetry, jittered, pause } from "./connect";
import { defaultWorkerId, describeDevice } from "./device";
import type { TrialRunOutcome, TrialRunner } from "./runner";

export const SEGNAS_VERSION = "0.1.0";

export interface WorkerOptions {
  readonly host: string;
  readonly port: number;
  readonly secret?: string;
  /** Connect over TLS, verifying the server with this CA (see tlsClientOptionsFromConfig). */
  readonly tls?: TlsClientOptions | null;
  readonly runner: TrialRunner;
  /** Trial directories go under here (trial-0001, ...); null = keep nothing. */
  readonly trialRoot: string | null;
  readonly logger: Logger;
  /** Keep trying to reach the server this long, at start and after each lost connection. */
  readonly connectRetrySeconds: number;
  readonly workerId?: string;
  readonly device?: string;
  /** Abort = shut down gracefully: stop the trial, give its lease back, say bye. */
  readonly signal?: AbortSignal;
  /** Opens the byte stream to the server (default: TCP to host:port with retry). For tests. */
  readonly connect?: () => Promise<Duplex>;
  /** Reply timeout of a request (default 60 s): a server that does not answer is reconnected. */
  readonly requestTimeoutMs?: number;
  /**
   * Trials in a row that may fail for this worker's own reasons (data, backend, disk) before it
   * stops with WorkerFailedError (SEGNAS.WORKER_MAX_FAILURES, default 3). Such trials go back to
   * the queue; between them the worker backs off (workerFailureBackoffMs, doubling).
   */
  readonly maxWorkerFailures?: number;
  /** First back-off after a worker failure (default 2 s; doubles, at most 60 s). */
  readonly workerFailureBackoffMs?: number;
}

export interface WorkerSummary {
  /** "done" (the search is over) or "stopped" (this worker was told to shut down). */
  readonly outcome: "done" | "stopped";
  readonly reason: string;
  readonly trialsRun: number;
  readonly completed: number;
  readonly failed: number;
  readonly reconnects: number;
  readonly best?: BestTrial;
}

type ResultMessage = TellMessage | FailMessage;

interface Running {
  readonly trialId: number;
  readonly abort: AbortController;
  readonly trialDir: string | null;
  epoch: number;
  metric?: number;
  /** An epoch finished since the last heartbeat. */
  fresh: boolean;
  outcome: TrialRunOutcome | null;
  stoppedByServer: boolean;
}

/** Errors after which reconnecting cannot help. */
function isFatal(e: unknown): boolean {
  if (!isSegnasError(e)) return false;
  return (
    e.code === "SEGNAS_E_AUTH" || e.code === "SEGNAS_E_PROTOCOL_VERSION" || e.code === "SEGNAS_E_CONNECT"
  );
}

export class Worker {
  readonly workerId: string;
  private readonly log: Logger;
  private running: Running | null = null;
  private unacked: ResultMessage | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private trialsRun = 0;
  private completed = 0;
  private failed = 0;
  private reconnects = 0;
  /** Trials in a row that failed for this worker's own reasons, and the last such reason. */
  private workerFailures = 0;
  private lastWorkerFailure = "";
  private backend: string;
  private readonly device: string;

  constructor(private readonly opts: WorkerOptions) {
    this.workerId = opts.workerId ?? defaultWorkerId();
    this.backend = opts.runner.backend;
    this.device = opts.device ?? describeDevice(this.backend);
    this.log = opts.logger.child({ worker: this.workerId });
  }

  private get stopping(): boolean {
    return this.opts.signal?.aborted === true;
  }

  async run(): Promise<WorkerSummary> {
    this.opts.signal?.addEventListener("abort", () => this.wake(), { once: true });
    this.log.info(
      { device: this.device, backend: this.backend },
      `worker ${this.workerId} on ${this.device}, backend ${this.backend}`,
    );
    // Handshakes failing in a row (something accepts connections but is not a segnas server
    // that lets us in): since when, and the next backoff.
    let failingSince: number | null = null;
    let backoffMs = RETRY_FIRST_MS;
    for (let first = true; ; first = false) {
      if (this.stopping && !this.running && !this.unacked) return this.summary("stopped", "shut down");
      let stream: Duplex;
      try {
        stream = await this.open();
      } catch (e) {
        // Out of patience (or told to stop): whatever runs cannot be reported any more.
        this.running?.abort.abort("server unreachable");
        if (this.stopping) return this.summary("stopped", "shut down while the server was unreachable");
        throw e;
      }
      if (!first) this.reconnects++;
      const channel = new MessageChannel(stream, { requestTimeoutMs: this.opts.requestTimeoutMs ?? 60_000 });
      let welcomed = false;
      try {
        const welcome = await clientHandshake(channel, {
          workerId: this.workerId,
          capabilities: this.capabilities(),
          ...(this.opts.secret ? { secret: this.opts.secret } : {}),
          timeoutMs: 15_000,
        });
        welcomed = true;
        failingSince = null;
        backoffMs = RETRY_FIRST_MS;
        this.log.info(
          { study: welcome.study.studyId, session: welcome.sessionId },
          `connected to ${this.opts.host}:${this.opts.port} (study ${welcome.study.studyId}, ${welcome.study.searchSteps} steps)`,
        );
        return await this.session(channel, welcome);
      } catch (e) {
        channel.destroy("reconnecting");
        if (isFatal(e) || e instanceof WorkerFailedError) {
          this.running?.abort.abort("fatal error");
          throw e;
        }
        if (!welcomed) {
          const now = performance.now();
          failingSince ??= now;
          if (now - failingSince >= this.opts.connectRetrySeconds * 1000) {
            this.running?.abort.abort("server unreachable");
            throw new SegnasError(
              "SEGNAS_E_CONNECT",
              `${this.opts.host}:${this.opts.port} accepts connections but no segnas handshake succeeded ` +
                `for ${Math.round((now - failingSince) / 1000)} s (last error: ${(e as Error).message}); ` +
                `check that SLIM.NAS_ADDRESS and SLIM.NAS_PORT (or --address host:port) name the segnas server` +
                (this.opts.tls ? "" : " (a server with SEGNAS.TLS_CERT needs SEGNAS.TLS_CA on its workers)") +
                `, or wait longer with SEGNAS.CONNECT_RETRY_SECONDS`,
              { host: this.opts.host, port: this.opts.port, lastError: (e as Error).message },
            );
          }
          this.log.warn(
            { err: isSegnasError(e) ? e.code : (e as Error).message },
            `handshake with ${this.opts.host}:${this.opts.port} failed (${(e as Error).message}); retrying`,
          );
          await pause(jittered(backoffMs), this.opts.signal);
          backoffMs = Math.min(backoffMs * 2, RETRY_MAX_MS);
          continue;
        }
        this.log.warn(
          { err: isSegnasError(e) ? e.code : (e as Error).message },
          `lost the server (${(e as Error).message}); reconnecting${this.running ? ` while trial ${this.running.trialId} keeps training` : ""}`,
        );
      }
    }
  }

  private async open(): Promise<Duplex> {
    if (this.opts.connect) return this.opts.connect();
    return connectWithRetry({
      host: this.opts.host,
      port: this.opts.port,
      retrySeconds: this.opts.connectRetrySeconds,
      logger: this.log,
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  private capabilities(): Capabilities {
    return {
      backend: this.backend,
      device: this.device,
      hostname: this.workerId.split(":")[0] ?? "",
      pid: process.pid,
      segnasVersion: SEGNAS_VERSION,
    };
  }

  private async session(channel: MessageChannel, welcome: WelcomeMessage): Promise<WorkerSummary> {
    const heartbeatMs = welcome.heartbeatSeconds * 1000;
    // On a new connection a running trial heartbeats at once: the server learns it is alive.
    let lastBeat = -Infinity;
    for (;;) {
      if (this.unacked) {
        if (this.stopping) {
          await this.report(channel, this.unacked);
          this.unacked = null;
          continue;
        }
        if (this.unacked.type === "fail" && this.unacked.fault === "worker") {
          // This worker is broken, not the architecture: the server queues the trial again. Back
          // off before asking (the fault may pass: a remount, a freed disk), and stop after a few.
          await this.report(channel, this.unacked);
          this.unacked = null;
          await this.afterWorkerFailure(channel);
          continue;
        }
        // The result and the next ask go out together: the server journals both in one commit,
        // so between two trials the worker waits one round trip, not two. The server handles a
        // connection's requests in order, so the ask sees the result (and the freed lease).
        const [, reply] = await Promise.all([
          this.report(channel, this.unacked),
          channel.request({ type: "ask" }),
        ]);
        this.unacked = null;
        const end = await this.onAskReply(channel, reply);
        if (end) return end;
        continue;
      }
      const r = this.running;
      if (r) {
        if (r.outcome) {
          this.settle(r);
          continue;
        }
        if (this.stopping && !r.abort.signal.aborted) r.abort.abort("worker shutting down");
        const due = lastBeat + heartbeatMs;
        if (!r.abort.signal.aborted && (r.fresh || performance.now() >= due)) {
          r.fresh = false;
          lastBeat = performance.now();
          let stop: string | null = null;
          try {
            const reply = await channel.request({
              type: "heartbeat",
              trialId: r.trialId,
              epoch: r.epoch,
              ...(r.metric !== undefined ? { metric: r.metric } : {}),
              backend: this.backend,
            });
            if (reply.type === "stop") stop = reply.reason;
          } catch (e) {
            // A server that does not know the trial (restarted on another run directory) will
            // never accept its result: abandon it rather than retry forever.
            if (!(e instanceof RemoteError && e.code === "SEGNAS_E_UNKNOWN_TRIAL")) throw e;
            stop = e.message;
          }
          if (stop !== null && !r.outcome) {
            r.stoppedByServer = true;
            r.abort.abort(stop);
            this.log.info({ trialId: r.trialId }, `server stopped trial ${r.trialId}: ${stop}`);
          }
          continue;
        }
        await this.sleep(r.abort.signal.aborted ? 1000 : Math.max(0, due - performance.now()));
        continue;
      }
      if (this.stopping) {
        await channel.close("worker shutting down");
        return this.summary("stopped", "shut down");
      }
      const end = await this.onAskReply(channel, await channel.request({ type: "ask" }));
      if (end) return end;
    }
  }

  /** Acts on the answer to an ask; a summary when the worker is finished with this server. */
  private async onAskReply(
    channel: MessageChannel,
    reply: TrialMessage | WaitMessage | DoneMessage,
  ): Promise<WorkerSummary | null> {
    if (reply.type === "trial" && this.stopping) {
      // Told to stop while asking: the goodbye hands the fresh lease straight back.
      await channel.close("worker shutting down");
      return this.summary("stopped", "shut down");
    }
    if (reply.type === "trial") this.start(reply);
    else if (reply.type === "wait") await this.sleep(reply.retryAfterMs);
    else {
      this.log.info({ best: reply.best }, `search done: ${reply.reason}`);
      await channel.close("search done");
      return this.summary("done", reply.reason, reply.best);
    }
    return null;
  }

  private async report(channel: MessageChannel, msg: ResultMessage): Promise<void> {
    try {
      const ack = await channel.request(msg);
      if (ack.duplicate) this.log.info({ trialId: msg.trialId }, `trial ${msg.trialId} was already recorded`);
    } catch (e) {
      if (
        e instanceof RemoteError &&
        (e.code === "SEGNAS_E_UNKNOWN_TRIAL" || e.code === "SEGNAS_E_BAD_MESSAGE")
      ) {
        // The server does not know this trial (another study?) or refuses the report: drop it.
        this.log.warn(
          { trialId: msg.trialId, code: e.code },
          `result of trial ${msg.trialId} refused: ${e.message}`,
        );
        return;
      }
      throw e;
    }
  }

  /** Backs off after a worker failure, or gives up (WorkerFailedError) after too many in a row. */
  private async afterWorkerFailure(channel: MessageChannel): Promise<void> {
    const max = Math.max(1, this.opts.maxWorkerFailures ?? 3);
    if (this.workerFailures >= max) {
      await channel.close("worker failed").catch(() => undefined);
      throw new WorkerFailedError(
        `worker ${this.workerId} stops: ${this.workerFailures} trial(s) in a row failed for reasons of this worker, ` +
          `not of the architectures (last: ${this.lastWorkerFailure}). The trials went back to the queue. ` +
          `Fix the cause and start the worker again (SEGNAS.WORKER_MAX_FAILURES sets how many in a row are tolerated).`,
        { workerId: this.workerId, failures: this.workerFailures, lastReason: this.lastWorkerFailure },
      );
    }
    const first = this.opts.workerFailureBackoffMs ?? 2000;
    const ms = Math.min(60_000, first * 2 ** (this.workerFailures - 1));
    this.log.warn(
      { failures: this.workerFailures, max, backoffMs: ms },
      `worker failure ${this.workerFailures} of ${max} in a row; asking again in ${Math.round(ms / 100) / 10} s`,
    );
    await pause(ms, this.opts.signal);
  }

  private start(t: TrialMessage): void {
    const abort = new AbortController();
    let trialDir: string | null;
    try {
      trialDir = this.makeTrialDir(t.trialId);
    } catch (e) {
      // No room or no right to write here: the worker's fault, not the architecture's.
      const err = e as NodeJS.ErrnoException;
      this.running = {
        trialId: t.trialId,
        abort,
        trialDir: null,
        epoch: 0,
        fresh: false,
        stoppedByServer: false,
        outcome: {
          status: "failed",
          reason: `cannot create the trial directory under ${this.opts.trialRoot}: ${err.code ?? err.message}`,
          code: "SEGNAS_E_RUN_DIR",
          fault: "worker",
          backend: null,
          durationMs: 0,
        },
      };
      this.trialsRun++;
      this.wake();
      return;
    }
    const r: Running = {
      trialId: t.trialId,
      abort,
      trialDir,
      epoch: 0,
      fresh: false,
      outcome: null,
      stoppedByServer: false,
    };
    this.running = r;
    this.trialsRun++;
    this.log.info(
      { trialId: t.trialId, tokens: t.tokens, trialDir },
      `trial ${t.trialId}: training ${t.budget.epochs} epoch(s)`,
    );
    this.opts.runner
      .run({
        trialId: t.trialId,
        tokens: t.tokens,
        arch: t.arch,
        budget: t.budget,
        trialDir,
        signal: abort.signal,
        onStarted: (info) => {
          if (info.backend !== this.backend) {
            this.backend = info.backend;
            this.log.info({ backend: info.backend }, `training on backend ${info.backend}`);
          }
        },
        onEpoch: (e) => {
          r.epoch = e.epoch;
          if (e.miou !== null) r.metric = e.miou;
          r.fresh = true;
          this.wake();
        },
      })
      .catch((err: unknown): TrialRunOutcome => ({
        status: "failed",
        reason: `the runner crashed: ${(err as Error)?.message ?? String(err)}`,
        code: isSegnasError(err) ? err.code : "SEGNAS_E_TRAINING",
        fault: "worker",
        backend: null,
        durationMs: 0,
      }))
      .then((outcome) => {
        r.outcome = outcome;
        this.wake();
      });
  }

  /** Turns a finished trial into the message to report (or nothing, when it was stopped). */
  private settle(r: Running): void {
    this.running = null;
    const o = r.outcome as TrialRunOutcome;
    if (o.status === "failed") {
      const fault = o.fault ?? "architecture";
      if (fault === "worker") {
        this.workerFailures++;
        this.lastWorkerFailure = o.reason.slice(0, 500);
        this.log.warn(
          { trialId: r.trialId, code: o.code, fault },
          `trial ${r.trialId} could not run on this worker (it goes back to the queue): ${o.reason}`,
        );
      } else {
        this.workerFailures = 0;
        this.failed++;
        this.log.warn({ trialId: r.trialId, code: o.code, fault }, `trial ${r.trialId} failed: ${o.reason}`);
      }
      this.unacked = {
        type: "fail",
        trialId: r.trialId,
        reason: o.reason.slice(0, 8000),
        code: o.code,
        fault,
      };
      return;
    }
    if (o.status === "stopped" && (r.stoppedByServer || this.stopping)) {
      this.log.info({ trialId: r.trialId }, `trial ${r.trialId} abandoned: ${o.reason}`);
      return;
    }
    // Completed, or stopped by its own wall-clock budget: the best mIoU so far is the reward.
    this.completed++;
    this.workerFailures = 0;
    const curve = o.curve.filter((c) => c.miou !== null).map((c) => c.miou as number);
    const metrics = o.status === "completed" ? o.metrics : { miou: o.reward };
    this.log.info(
      { trialId: r.trialId, reward: o.reward },
      `trial ${r.trialId} reward ${o.reward.toFixed(4)}`,
    );
    this.unacked = {
      type: "tell",
      trialId: r.trialId,
      reward: o.reward,
      metrics,
      curve,
      durationMs: Math.max(0, o.durationMs),
      ...(o.backend ? { backend: o.backend } : {}),
      ...(r.trialDir ? { trialDir: path.resolve(r.trialDir) } : {}),
      ...(o.modelDir ? { modelDir: path.resolve(o.modelDir) } : {}),
    };
  }

  private makeTrialDir(trialId: number): string | null {
    const root = this.opts.trialRoot;
    if (root === null) return null;
    fs.mkdirSync(root, { recursive: true });
    const base = path.join(root, `trial-${String(trialId).padStart(4, "0")}`);
    // mkdir is atomic: two workers on one host that get the same (requeued) trial never share a dir.
    for (let i = 1; ; i++) {
      const dir = i === 1 ? base : `${base}-${i}`;
      try {
        fs.mkdirSync(dir);
        return dir;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Sleeps up to `ms`, or less when something happens (epoch, trial end, shutdown). */
  private sleep(ms: number): Promise<void> {
    // Not "|| this.stopping": a stopping worker still waits for its trial to end; the stop itself
    // wakes it once (run() listens for the abort).
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private summary(outcome: "done" | "stopped", reason: string, best?: BestTrial): WorkerSummary {
    return {
      outcome,
      reason,
      trialsRun: this.trialsRun,
      completed: this.completed,
      failed: this.failed,
      reconnects: this.reconnects,
      ...(best ? { best } : {}),
    };
  }
}

/** Runs a worker until the search is done (or `signal` aborts). */
export function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  return new Worker(opts).run();
}

/** Splits "host:port" (IPv6 as [::1]:port). */
export function parseAddress(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  if (!m || !(Number(m[2]) >= 0 && Number(m[2]) <= 65535)) {
    throw new SegnasError(
      "SEGNAS_E_BAD_ARGUMENT",
      `--address must be host:port (e.g. 10.0.0.5:23333), got ${JSON.stringify(text)}`,
    );
  }
  return { host: m[1] || "127.0.0.1", port: Number(m[2]) };
}
