/**
 * runTrial: trains one architecture in a child process (child_process.fork of child-entry.js),
 * so that a wasm abort past 4 GiB, a segfault in a native backend or an OOM kill ends the
 * trial — never the worker that asked. Every way the child can end becomes a TrialOutcome:
 * its own done/failed message, or an exit code / signal turned into a readable reason.
 * Abort (signal or timeout) sends a graceful stop, then SIGKILL after a grace period.
 */
import { fork, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import pino, { type Level, type Logger } from "pino";
import type { SegConfig } from "@segnas/config";
import type { MobileNetV2SegArch } from "@segnas/core";
import { failureFault } from "./fault";
import { isChildMessage, type ChildMessage, type TrialRequest } from "./trial-ipc";
import {
  bestOf,
  type EpochEvent,
  type EpochRecord,
  type FailedOutcome,
  type StepProgress,
  type TrialOutcome,
} from "./trial-types";

export interface TrialStartedInfo {
  readonly backend: string;
  readonly params: number;
  readonly flops: number | null;
  readonly pid: number;
}

export interface RunTrialOptions {
  /** The architecture to train (its tokens are used); or give `tokens`. */
  readonly arch?: MobileNetV2SegArch;
  readonly tokens?: readonly number[];
  /** A loaded config; wins over configFile/overrides (which the child then does not read). */
  readonly config?: SegConfig;
  readonly configFile?: string;
  readonly overrides?: readonly string[];
  /** Directory for the model, arch.json and metrics.json (created); null keeps nothing. */
  readonly trialDir: string | null;
  /** Backend preference: "auto" (default: SEGNAS.BACKEND), "wasm", "cpu", "tensorflow", ... */
  readonly backend?: string;
  readonly logSteps?: number;
  readonly useMpio?: boolean;
  readonly onStarted?: (info: TrialStartedInfo) => void;
  readonly onEpoch?: (e: EpochEvent) => void;
  readonly onProgress?: (p: StepProgress) => void;
  /** Every log record of the child (pino JSON objects). */
  readonly onLog?: (record: Record<string, unknown>) => void;
  /** Child log records are re-logged here (with their level), as children of this logger. */
  readonly logger?: Logger;
  /**
   * Re-log the child's notes on choosing a backend (`topic: "backend"`) at debug, not info: a
   * worker says them for its first trial, not again for every trial after it.
   */
  readonly quietBackend?: boolean;
  /** Abort = stop gracefully: the trial ends as "stopped" with what it has. */
  readonly signal?: AbortSignal;
  /** Wall-clock limit; past it the trial is stopped like an abort. */
  readonly timeoutMs?: number;
  /** How long a stop may take before SIGKILL (default 15 s). */
  readonly stopGraceMs?: number;
  /** Extra environment for the child (e.g. SEGNAS_TRIAL_TEST_HOOK in tests). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags for the child (default none, e.g. ["--max-old-space-size=4096"]). */
  readonly execArgv?: readonly string[];
}

const STDERR_TAIL_BYTES = 4096;

/** Path of the compiled child entry: next to this file in dist, or in dist when run from src. */
export function childEntryPath(): string | null {
  const candidates = [
    path.join(__dirname, "child-entry.js"),
    path.resolve(__dirname, "..", "..", "dist", "train", "child-entry.js"),
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

export function runTrial(opts: RunTrialOptions): Promise<TrialOutcome> {
  const started = Date.now();
  const tokens = opts.tokens ? [...opts.tokens] : opts.arch ? [...opts.arch.tokens] : null;
  const failed = (reason: string, code: FailedOutcome["code"] = "SEGNAS_E_TRAINING"): FailedOutcome => ({
    status: "failed",
    reason,
    code,
    durationMs: Date.now() - started,
    curve: [],
    backend: null,
  });
  if (!tokens)
    return Promise.resolve(withFault(failed("runTrial needs arch or tokens", "SEGNAS_E_BAD_ARGUMENT")));
  const entry = childEntryPath();
  if (!entry) {
    return Promise.resolve(
      withFault(
        failed(
          "the trainer's child entry (dist/train/child-entry.js) is missing: build with `npx tsc -b`",
          "SEGNAS_E_INTERNAL",
        ),
      ),
    );
  }
  const request: TrialRequest = {
    tokens,
    config: opts.config,
    configFile: opts.configFile,
    overrides: opts.overrides ? [...opts.overrides] : undefined,
    trialDir: opts.trialDir,
    backend: opts.backend,
    logSteps: opts.logSteps,
    useMpio: opts.useMpio,
    logLevel: opts.logger?.level ?? "info",
  };

  return new Promise<TrialOutcome>((resolve) => {
    let child: ChildProcess;
    try {
      child = fork(entry, [], {
        stdio: ["ignore", "pipe", "pipe", "ipc"],
        execArgv: [...(opts.execArgv ?? [])],
        env: { ...process.env, ...(opts.env ?? {}) },
        serialization: "json",
      });
    } catch (e) {
      resolve(failed(`could not start the training process: ${(e as Error).message}`));
      return;
    }
    const curve: EpochRecord[] = [];
    let backend: string | null = null;
    let final: ChildMessage | null = null;
    let stopReason: string | null = null;
    let killedAfterStop = false;
    let settled = false;
    let stderrTail = "";
    const timers: NodeJS.Timeout[] = [];

    const requestStop = (reason: string): void => {
      if (stopReason !== null || final !== null) return;
      stopReason = reason;
      sendSafe(child, { type: "stop", reason });
      timers.push(
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) {
            killedAfterStop = true;
            child.kill("SIGKILL");
          }
        }, opts.stopGraceMs ?? 15_000),
      );
    };
    const onAbort = (): void => requestStop(abortReason(opts.signal));
    const killOnExit = (): void => {
      child.kill("SIGKILL");
    };
    process.once("exit", killOnExit);

    const finish = (outcome: TrialOutcome): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      opts.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", killOnExit);
      resolve(withFault(outcome));
    };

    child.stderr?.on("data", (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
      opts.logger?.debug({ childStderr: chunk.toString("utf8").trimEnd() }, "training process stderr");
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      opts.logger?.debug({ childStdout: chunk.toString("utf8").trimEnd() }, "training process stdout");
    });

    child.on("message", (m: unknown) => {
      if (!isChildMessage(m)) return;
      switch (m.type) {
        case "started":
          backend = m.backend;
          safeCall(() =>
            opts.onStarted?.({ backend: m.backend, params: m.params, flops: m.flops, pid: m.pid }),
          );
          break;
        case "progress":
          safeCall(() => opts.onProgress?.(m.progress));
          break;
        case "epoch":
          curve.push(m.event.record);
          safeCall(() => opts.onEpoch?.(m.event));
          break;
        case "log":
          safeCall(() => opts.onLog?.(m.record));
          if (opts.logger) relog(opts.logger, m.record, opts.quietBackend === true);
          break;
        case "done":
        case "failed":
          final = m;
          // The child exits by itself; make sure it does.
          timers.push(setTimeout(() => child.kill("SIGKILL"), 10_000));
          break;
      }
    });

    child.on("error", (e) => {
      finish(failed(`could not run the training process: ${e.message}`));
    });

    // "close", not "exit": it comes after the IPC channel and stderr are drained, so the child's
    // last messages (done/failed) and its last words on stderr are never lost to a race.
    child.on("close", (code, signal) => {
      const durationMs = Date.now() - started;
      const f = final as ChildMessage | null;
      if (f?.type === "done") {
        finish({ ...f.outcome, durationMs: f.outcome.durationMs });
        return;
      }
      if (f?.type === "failed") {
        finish({ status: "failed", reason: f.reason, code: f.code, durationMs, curve, backend });
        return;
      }
      if (stopReason !== null) {
        const { reward } = bestOf(curve);
        finish({
          status: "stopped",
          reward,
          curve,
          reason: killedAfterStop
            ? `${stopReason}; the training process did not stop within ${seconds(opts.stopGraceMs ?? 15_000)} s and was killed`
            : stopReason,
          metrics: null,
          modelDir: null,
          durationMs,
          backend,
        });
        return;
      }
      finish({
        status: "failed",
        reason: describeExit(code, signal, stderrTail),
        code: "SEGNAS_E_TRAINING",
        durationMs,
        curve,
        backend,
      });
    });

    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      timers.push(
        setTimeout(
          () => requestStop(`trial time limit of ${seconds(opts.timeoutMs!)} s reached`),
          opts.timeoutMs,
        ),
      );
    }
    sendSafe(child, { type: "start", request });
  });
}

/** A failed outcome says whose fault it was. */
function withFault(outcome: TrialOutcome): TrialOutcome {
  if (outcome.status !== "failed" || outcome.fault !== undefined) return outcome;
  return { ...outcome, fault: failureFault(outcome.code, outcome.reason) };
}

/** 2500 -> "2.5", 15000 -> "15". */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)));
}

function sendSafe(child: ChildProcess, m: unknown): void {
  if (!child.connected) return;
  try {
    child.send(m as object, (err) => {
      void err; // the exit handler reports a child that went away
    });
  } catch {
    // Channel closed between the check and the send: the exit handler takes over.
  }
}

function safeCall(f: () => void): void {
  try {
    f();
  } catch {
    // A throwing callback must not take the trial (or the parent) down.
  }
}

function abortReason(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  if (typeof r === "string" && r) return r;
  if (r instanceof Error && r.name !== "AbortError" && r.message) return r.message;
  return "stop requested";
}

function relog(logger: Logger, record: Record<string, unknown>, quietBackend: boolean): void {
  const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = record;
  void _t;
  void _p;
  void _h;
  // The child logs with pino's standard levels.
  let name = (pino.levels.labels[typeof level === "number" ? level : 30] ?? "info") as Level;
  if (quietBackend && rest.topic === "backend" && name === "info") name = "debug";
  logger[name](rest, typeof msg === "string" ? msg : "");
}

const SIGNAL_HINTS: Record<string, string> = {
  SIGKILL: "out of memory? the kernel's OOM killer sends SIGKILL",
  SIGSEGV: "a segmentation fault, e.g. in a native TensorFlow backend",
  SIGABRT: "the process aborted",
  SIGBUS: "a bus error in native code",
  SIGILL: "an illegal instruction: a native backend built for another CPU?",
  SIGTERM: "terminated from outside",
  SIGINT: "interrupted",
};

/** A readable reason for a child that ended without reporting (exit code or signal + stderr). */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, stderrTail = ""): string {
  let reason: string;
  if (signal) {
    reason = `training process killed by ${signal} (${SIGNAL_HINTS[signal] ?? "a signal"})`;
  } else if (code !== null && code > 128 && code < 160) {
    const sigName = Object.entries(os.constants.signals as Record<string, number>).find(
      ([, n]) => n === code - 128,
    )?.[0];
    reason = `training process exited with code ${code} (128 + ${sigName ?? code - 128}${sigName && SIGNAL_HINTS[sigName] ? `: ${SIGNAL_HINTS[sigName]}` : ""})`;
  } else {
    reason = `training process exited with code ${code ?? "?"} before reporting a result`;
  }
  const tail = stderrTail.trim();
  if (/heap out of memory|Reached heap limit/i.test(tail))
    reason += "; the JavaScript heap ran out of memory";
  else if (/Aborted\(|RuntimeError: abort|memory access out of bounds|Cannot enlarge memory/i.test(tail)) {
    reason += "; the wasm backend aborted (its heap is capped at 4 GiB: try a smaller BATCH_SIZE or crop)";
  }
  if (tail) {
    const lines = tail.split("\n").filter((l) => l.trim() !== "");
    reason += `; last output: ${lines.slice(-3).join(" | ").slice(-400)}`;
  }
  return reason;
}
