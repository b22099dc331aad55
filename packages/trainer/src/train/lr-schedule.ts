/**
 * Learning-rate schedules with PaddleSeg 0.x semantics (solver.py). Pure functions of the global
 * step, so a schedule can be unit-tested, logged and resumed without any tfjs state.
 */
import { SegnasError } from "@segnas/core";

export type LrPolicy = "poly" | "piecewise" | "cosine";

export interface LrScheduleOptions {
  /** SOLVER.LR */
  readonly baseLr: number;
  /** SOLVER.LR_POLICY */
  readonly policy: LrPolicy;
  /** Steps in the whole run (NUM_EPOCHS x steps per epoch): poly decays to 0 over these. */
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** SOLVER.POWER (poly). */
  readonly power?: number;
  /** SOLVER.GAMMA (piecewise). */
  readonly gamma?: number;
  /** SOLVER.DECAY_EPOCH (piecewise): epochs after which the rate is multiplied by gamma. */
  readonly decayEpochs?: readonly number[];
  /** SOLVER.NUM_EPOCHS (cosine). */
  readonly numEpochs?: number;
  /** SOLVER.LR_WARMUP / LR_WARMUP_STEPS: linear ramp from 0 over this many steps (0 = none). */
  readonly warmupSteps?: number;
}

export const LR_POLICIES: readonly LrPolicy[] = ["poly", "piecewise", "cosine"];

export function isLrPolicy(x: unknown): x is LrPolicy {
  return typeof x === "string" && (LR_POLICIES as readonly string[]).includes(x);
}

/**
 * The learning rate for global step `step` (0-based, the step about to run).
 * - poly: `lr * (1 - min(step, total) / total) ^ power` (Paddle's polynomial_decay, end lr 0);
 * - piecewise: `lr * gamma ^ (number of DECAY_EPOCH boundaries passed)`;
 * - cosine: `lr * (cos(pi * epoch / NUM_EPOCHS) + 1) / 2` with the epoch as an integer (per-epoch);
 * then a linear warm-up from 0 over `warmupSteps` steps overrides the early values, as Paddle's
 * linear_lr_warmup does.
 */
export function learningRateAt(step: number, o: LrScheduleOptions): number {
  if (!(o.totalSteps >= 1) || !(o.stepsPerEpoch >= 1)) {
    throw new SegnasError(
      "SEGNAS_E_BAD_ARGUMENT",
      `learning-rate schedule needs totalSteps >= 1 and stepsPerEpoch >= 1 (got ${o.totalSteps}, ${o.stepsPerEpoch}); check SOLVER.NUM_EPOCHS, BATCH_SIZE and the train file list`,
    );
  }
  const s = Math.max(0, step);
  let lr: number;
  switch (o.policy) {
    case "poly": {
      const frac = 1 - Math.min(s, o.totalSteps) / o.totalSteps;
      lr = o.baseLr * Math.pow(frac, o.power ?? 0.9);
      break;
    }
    case "piecewise": {
      const epoch = s / o.stepsPerEpoch;
      const passed = (o.decayEpochs ?? []).filter((e) => epoch >= e).length;
      lr = o.baseLr * Math.pow(o.gamma ?? 0.1, passed);
      break;
    }
    case "cosine": {
      const epochs = o.numEpochs ?? Math.ceil(o.totalSteps / o.stepsPerEpoch);
      const epoch = Math.floor(s / o.stepsPerEpoch);
      lr = (o.baseLr * (Math.cos((epoch * Math.PI) / Math.max(1, epochs)) + 1)) / 2;
      break;
    }
    default:
      throw new SegnasError(
        "SEGNAS_E_CONFIG",
        `SOLVER.LR_POLICY = ${JSON.stringify(o.policy)} is not supported; use one of ${LR_POLICIES.join(", ")}`,
      );
  }
  const warm = o.warmupSteps ?? 0;
  if (warm > 0 && s < warm) lr = (o.baseLr * s) / warm;
  return lr;
}
