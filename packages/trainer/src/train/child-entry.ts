/**
 * Entry of the per-trial child process (forked by runTrial). Waits for one `start` message,
 * trains, reports through typed IPC messages and exits. A `stop` message asks for a graceful
 * stop; a parent that goes away (IPC disconnect) ends the child at once. Every error becomes a
 * `failed` message with a stable code: nothing here may leave the parent without an answer.
 *
 * Test hooks (SEGNAS_TRIAL_TEST_HOOK, tests only): "exit:CODE@STEP" exits with CODE at global
 * step STEP, "signal:SIG@STEP" kills itself with SIG, "abort@STEP" calls process.abort(),
 * "nan@STEP" makes that step's loss NaN, "ignore-stop" ignores stop messages, "device-lost@STEP"
 * destroys the webgpu device (Dawn then reports it lost).
 */
import pino from "pino";
import { isSegnasError, type ErrorCode } from "@segnas/core";
import { isParentMessage, type ChildMessage, type TrialRequest } from "./trial-ipc";
import { trainArchitecture } from "./train-architecture";
import { destroyWebgpuDeviceForTests } from "../backend/webgpu";

interface TestHook {
  readonly kind: "exit" | "signal" | "abort" | "nan" | "ignore-stop" | "device-lost";
  readonly arg?: string;
  readonly step: number;
}

export function parseTestHook(text: string | undefined): TestHook | null {
  if (!text) return null;
  if (text === "ignore-stop") return { kind: "ignore-stop", step: 0 };
  const m = /^(exit|signal|abort|nan|device-lost)(?::([A-Za-z0-9]+))?@(\d+)$/.exec(text.trim());
  if (!m) return null;
  return { kind: m[1] as TestHook["kind"], arg: m[2], step: Number(m[3]) };
}

const hook = parseTestHook(process.env.SEGNAS_TRIAL_TEST_HOOK);
let stopReason: string | null = null;
let running = false;

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    try {
      process.send(m, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

async function finishWith(m: ChildMessage): Promise<never> {
  await send(m);
  // Data-loading worker threads (--use_mpio) would keep the process alive: leave explicitly.
  process.exit(0);
}

function failureOf(e: unknown): { reason: string; code: ErrorCode } {
  if (isSegnasError(e)) return { reason: e.message, code: e.code };
  const err = e instanceof Error ? e : new Error(String(e));
  const text = `${err.name}: ${err.message}`;
  if (/Aborted\(|abort\(|Cannot enlarge memory|Out of memory|memory access out of bounds/i.test(text)) {
    return {
      reason: `the backend aborted (${err.message}); the wasm heap is capped at 4 GiB: try a smaller BATCH_SIZE or TRAIN_CROP_SIZE`,
      code: "SEGNAS_E_TRAINING",
    };
  }
  return { reason: `training crashed: ${text}`, code: "SEGNAS_E_TRAINING" };
}

async function run(request: TrialRequest): Promise<void> {
  const logger = pino(
    { level: request.logLevel ?? "info", base: undefined },
    {
      write: (line: string) =>
        void send({ type: "log", record: JSON.parse(line) as Record<string, unknown> }),
    },
  );
  try {
    const outcome = await trainArchitecture({
      tokens: request.tokens,
      config: request.config,
      configFile: request.configFile,
      overrides: request.overrides,
      trialDir: request.trialDir,
      backend: request.backend,
      logSteps: request.logSteps,
      useMpio: request.useMpio,
      logger,
      shouldStop: () => (hook?.kind === "ignore-stop" ? null : stopReason),
      onStarted: (info) => void send({ type: "started", ...info, pid: process.pid }),
      onProgress: (progress) => void send({ type: "progress", progress }),
      onEpoch: (event) => void send({ type: "epoch", event }),
      onStep: (globalStep) => {
        if (!hook || hook.step !== globalStep) return;
        if (hook.kind === "exit") process.exit(Number(hook.arg ?? 1));
        if (hook.kind === "signal") process.kill(process.pid, (hook.arg ?? "SIGKILL") as NodeJS.Signals);
        if (hook.kind === "abort") process.abort();
        if (hook.kind === "device-lost") destroyWebgpuDeviceForTests();
      },
      nanAtStep: hook?.kind === "nan" ? hook.step : undefined,
    });
    if (outcome.status === "failed") {
      await finishWith({ type: "failed", reason: outcome.reason, code: outcome.code });
    } else {
      await finishWith({ type: "done", outcome });
    }
  } catch (e) {
    await finishWith({ type: "failed", ...failureOf(e) });
  }
}

process.on("message", (m: unknown) => {
  if (!isParentMessage(m)) return;
  if (m.type === "stop") {
    stopReason = stopReason ?? m.reason;
    return;
  }
  if (running) return;
  running = true;
  void run(m.request);
});

// Ctrl-C in a terminal reaches the whole process group, this child included: treat it (and
// SIGTERM) as a stop request, so the parent's graceful stop is not cut short by a dead child.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    stopReason = stopReason ?? `interrupted (${sig})`;
  });
}

// The parent went away: nobody wants the result, and an orphan would hold a core.
process.on("disconnect", () => process.exit(0));

for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (e: unknown) => {
    void finishWith({ type: "failed", ...failureOf(e) });
  });
}
