/**
 * How a worker runs one trial. The worker only needs this interface: the real implementation
 * trains in a child process through @segnas/trainer (see trainer-runner.ts); tests and the
 * protocol benchmark use the fake runner. Swapping one for the other is one line in the CLI.
 */
import type { TrialBudget } from "@segnas/protocol";

/** One finished epoch (`miou` null when the epoch was not evaluated). */
export interface EpochReport {
  readonly epoch: number;
  readonly miou: number | null;
  readonly loss?: number;
}

export interface TrialRunRequest {
  readonly trialId: number;
  readonly tokens: readonly number[];
  /** The decoded architecture the server sent (plain JSON). */
  readonly arch: unknown;
  readonly budget: TrialBudget;
  /** Where the trial keeps its model, arch.json and metrics.json; null = keep nothing. */
  readonly trialDir: string | null;
  /** Aborted when the server says stop or the worker shuts down: end soon, as "stopped". */
  readonly signal: AbortSignal;
  /** After every epoch (drives heartbeats with the latest mIoU). */
  readonly onEpoch: (e: EpochReport) => void;
  /** Once the trial knows its backend. */
  readonly onStarted?: (info: { backend: string }) => void;
}

export type TrialRunOutcome =
  | {
      readonly status: "completed";
      /** Best mIoU seen (0 when never evaluated). */
      readonly reward: number;
      /** Final numeric metrics (params, flops, bestEpoch, finalLoss, ...). */
      readonly metrics: Record<string, number>;
      readonly curve: readonly EpochReport[];
      /** Where the trained model was saved, if it was. */
      readonly modelDir: string | null;
      readonly backend: string;
      readonly durationMs: number;
    }
  | {
      readonly status: "stopped";
      readonly reason: string;
      /** What it had when stopped (a wall-clock budget may end a trial this way). */
      readonly reward: number;
      readonly curve: readonly EpochReport[];
      readonly modelDir: string | null;
      readonly backend: string | null;
      readonly durationMs: number;
    }
  | {
      readonly status: "failed";
      readonly reason: string;
      readonly code: string;
      /**
       * "worker": this machine is broken (data, backend, disk), the architecture is not to blame
       * and the trial goes back to the queue. Absent = "architecture".
       */
      readonly fault?: "architecture" | "worker";
      readonly backend: string | null;
      readonly durationMs: number;
    };

export interface TrialRunner {
  /** Backend name advertised at hello before any trial ran (e.g. "wasm", "auto", "fake"). */
  readonly backend: string;
  run(request: TrialRunRequest): Promise<TrialRunOutcome>;
}
