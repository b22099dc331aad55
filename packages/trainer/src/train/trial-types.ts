/**
 * What a trial reports: the per-epoch curve, the metrics written to metrics.json and the three
 * outcomes (completed / stopped / failed). Plain JSON: these cross the IPC channel as they are.
 */
import type { ErrorCode } from "@segnas/core";
import type { FailureFault } from "./fault";

/** One finished epoch. `miou` is null when the epoch was not evaluated (NAS_START_EVAL_EPOCH). */
export interface EpochRecord {
  readonly epoch: number;
  readonly miou: number | null;
  /** Mean training loss over the epoch's steps. */
  readonly loss: number;
  /** Learning rate of the epoch's last step. */
  readonly lr: number;
  readonly steps: number;
  readonly trainSeconds: number;
  readonly evalSeconds: number;
  /** Training throughput in images per second (augmentation and data waits included). */
  readonly imagesPerSecond: number;
}

/** The contents of metrics.json (also returned with completed and stopped outcomes). */
export interface TrialMetrics {
  readonly status: "completed" | "stopped";
  readonly tokens: number[];
  /** Best validation mIoU seen (0 if never evaluated): the reward. */
  readonly reward: number;
  readonly bestEpoch: number | null;
  readonly curve: EpochRecord[];
  /** Mean loss of the last finished epoch (NaN-free; null if no epoch finished). */
  readonly finalLoss: number | null;
  readonly params: number;
  /** PaddleSlim-style FLOPs per image at the training crop size (null if unknown). */
  readonly flops: number | null;
  readonly inputSize: { readonly height: number; readonly width: number };
  readonly backend: string;
  readonly epochs: number;
  readonly stepsDone: number;
  readonly durationMs: number;
  readonly stoppedReason?: string;
  /** The solver settings the trial ran with. */
  readonly solver: Record<string, unknown>;
}

export interface CompletedOutcome {
  readonly status: "completed";
  readonly reward: number;
  readonly metrics: TrialMetrics;
  readonly curve: EpochRecord[];
  /** Where the trained model (tfjs format) was saved; null when there was no trial directory. */
  readonly modelDir: string | null;
  readonly durationMs: number;
  readonly backend: string;
}

export interface StoppedOutcome {
  readonly status: "stopped";
  /** Best mIoU seen before the stop (0 if none). */
  readonly reward: number;
  readonly curve: EpochRecord[];
  readonly reason: string;
  readonly metrics: TrialMetrics | null;
  readonly modelDir: string | null;
  readonly durationMs: number;
  readonly backend: string | null;
}

export interface FailedOutcome {
  readonly status: "failed";
  readonly reason: string;
  readonly code: ErrorCode;
  /** Whose fault it was (see fault.ts); runTrial always sets it. */
  readonly fault?: FailureFault;
  readonly durationMs: number;
  /** Epochs finished before the failure. */
  readonly curve: EpochRecord[];
  readonly backend: string | null;
}

export type TrialOutcome = CompletedOutcome | StoppedOutcome | FailedOutcome;

/** Sent after each training step (drives progress bars). */
export interface StepProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly loss: number;
  readonly lr: number;
  readonly stepsPerSecond: number;
  readonly etaSeconds: number;
}

/** What onEpoch callbacks receive. */
export interface EpochEvent {
  readonly epoch: number;
  readonly epochs: number;
  readonly miou: number | null;
  readonly loss: number;
  readonly lr: number;
  readonly bestMiou: number;
  readonly record: EpochRecord;
}

/** The best mIoU in a curve (0 when no epoch was evaluated). */
export function bestOf(curve: readonly EpochRecord[]): { reward: number; bestEpoch: number | null } {
  let reward = 0;
  let bestEpoch: number | null = null;
  for (const r of curve) {
    if (r.miou !== null && (bestEpoch === null || r.miou > reward)) {
      reward = r.miou;
      bestEpoch = r.epoch;
    }
  }
  return { reward, bestEpoch };
}
