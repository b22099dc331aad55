/**
 * Which TrialRunner a worker uses: the real trainer (a child process per trial), or — for tests,
 * benchmarks and dry runs — the fake one, selected with SEGNAS_FAKE_TRAINER=1 (epoch length
 * SEGNAS_FAKE_EPOCH_MS, default 0; SEGNAS_FAKE_FAIL=architecture|worker makes every trial fail so).
 */
import { createFakeRunner, createTrainerRunner, type TrialRunner } from "@segnas/worker";
import type { Logger } from "pino";
import type { NasConfig } from "./config";

export interface RunnerChoice {
  readonly backend?: string;
  readonly logSteps?: number;
  readonly useMpio?: boolean;
  readonly logger: Logger;
}

export function isFakeTrainer(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SEGNAS_FAKE_TRAINER === "1" || env.SEGNAS_FAKE_TRAINER === "true";
}

export function makeRunner(nc: NasConfig, choice: RunnerChoice): TrialRunner {
  if (isFakeTrainer()) {
    const epochMs = Number(process.env.SEGNAS_FAKE_EPOCH_MS ?? 0);
    choice.logger.warn("SEGNAS_FAKE_TRAINER is set: trials are simulated, no network is trained");
    // SEGNAS_FAKE_FAIL=architecture|worker: every trial fails so (tests of failure handling).
    const fault = process.env.SEGNAS_FAKE_FAIL;
    const fail =
      fault === "architecture" || fault === "worker"
        ? () => ({
            reason: `SEGNAS_FAKE_FAIL=${fault}: simulated ${fault} failure`,
            fault: fault as "worker",
          })
        : undefined;
    return createFakeRunner({ epochMs: Number.isFinite(epochMs) ? epochMs : 0, ...(fail ? { fail } : {}) });
  }
  // Loaded only here: a fake-trainer worker never pays for TensorFlow.js.
  const { runTrial } = require("@segnas/trainer") as typeof import("@segnas/trainer");
  return createTrainerRunner(runTrial, {
    ...(nc.file ? { configFile: nc.file } : {}),
    overrides: nc.overrides,
    backend: choice.backend ?? nc.cfg.SEGNAS.BACKEND,
    ...(choice.logSteps !== undefined ? { logSteps: choice.logSteps } : {}),
    ...(choice.useMpio !== undefined ? { useMpio: choice.useMpio } : {}),
    logger: choice.logger,
  });
}
