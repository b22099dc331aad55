/**
 * The real runner: each trial trains in a child process through @segnas/trainer's `runTrial`
 * (a crash, OOM kill or wasm abort ends the trial, never the worker). The trainer function is
 * passed in (`createTrainerRunner(runTrial, ...)`), typed structurally, so the worker does not
 * care which trainer build provides it. The server's budget (epochs, first evaluated epoch) is
 * applied as config overrides on top of the worker's own.
 */
import type { RunTrialOptions } from "@segnas/trainer";
import type { Logger } from "pino";
import type { EpochReport, TrialRunOutcome, TrialRunRequest, TrialRunner } from "./runner";

/**
 * The part of the trainer's runTrial options this runner uses: the trainer's own fields, with
 * the callbacks narrowed to what this runner reads (so a fake trainer need not fill the rest).
 */
export interface TrainerRunOptions extends Pick<
  RunTrialOptions,
  | "tokens"
  | "config"
  | "configFile"
  | "overrides"
  | "trialDir"
  | "backend"
  | "logSteps"
  | "useMpio"
  | "logger"
  | "quietBackend"
  | "signal"
  | "timeoutMs"
> {
  readonly onStarted?: (info: { backend: string }) => void;
  readonly onEpoch?: (e: { epoch: number; miou: number | null; loss: number }) => void;
}

interface TrainerCurvePoint {
  readonly epoch: number;
  readonly miou: number | null;
  readonly loss: number;
}

/** The part of the trainer's outcome this runner reads. */
export type TrainerOutcome =
  | {
      readonly status: "completed";
      readonly reward: number;
      readonly metrics: {
        readonly params: number;
        readonly flops: number | null;
        readonly bestEpoch: number | null;
        readonly finalLoss: number | null;
        readonly epochs: number;
      };
      readonly curve: readonly TrainerCurvePoint[];
      readonly modelDir: string | null;
      readonly durationMs: number;
      readonly backend: string;
    }
  | {
      readonly status: "stopped";
      readonly reward: number;
      readonly curve: readonly TrainerCurvePoint[];
      readonly reason: string;
      readonly modelDir: string | null;
      readonly durationMs: number;
      readonly backend: string | null;
    }
  | {
      readonly status: "failed";
      readonly reason: string;
      readonly code: string;
      readonly fault?: "architecture" | "worker";
      readonly durationMs: number;
      readonly backend: string | null;
    };

export type RunTrialFn = (opts: TrainerRunOptions) => Promise<TrainerOutcome>;

export interface TrainerRunnerOptions {
  /** The worker's config file and KEY VALUE overrides (the child loads them itself). */
  readonly configFile?: string;
  readonly overrides?: readonly string[];
  /** SEGNAS.BACKEND or --backend ("auto" lets the trainer choose). */
  readonly backend?: string;
  readonly logSteps?: number;
  readonly useMpio?: boolean;
  readonly logger?: Logger;
}

function points(curve: readonly TrainerCurvePoint[]): EpochReport[] {
  return curve.map((c) => ({ epoch: c.epoch, miou: c.miou, loss: c.loss }));
}

function numeric(o: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
  return out;
}

export function createTrainerRunner(runTrial: RunTrialFn, opts: TrainerRunnerOptions): TrialRunner {
  let trials = 0;
  return {
    backend: opts.backend ?? "auto",
    async run(req: TrialRunRequest): Promise<TrialRunOutcome> {
      const budget = [
        "SOLVER.NUM_EPOCHS",
        String(req.budget.epochs),
        ...(req.budget.startEvalEpoch !== undefined
          ? ["SLIM.NAS_START_EVAL_EPOCH", String(req.budget.startEvalEpoch)]
          : []),
      ];
      const out = await runTrial({
        tokens: req.tokens,
        ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}),
        overrides: [...(opts.overrides ?? []), ...budget],
        trialDir: req.trialDir,
        ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
        ...(opts.logSteps !== undefined ? { logSteps: opts.logSteps } : {}),
        ...(opts.useMpio !== undefined ? { useMpio: opts.useMpio } : {}),
        ...(opts.logger ? { logger: opts.logger } : {}),
        // How the backend was chosen is said once, with the first trial.
        quietBackend: trials++ > 0,
        ...(req.budget.maxSeconds !== undefined ? { timeoutMs: req.budget.maxSeconds * 1000 } : {}),
        signal: req.signal,
        onStarted: (info) => req.onStarted?.({ backend: info.backend }),
        onEpoch: (e) => req.onEpoch({ epoch: e.epoch, miou: e.miou, loss: e.loss }),
      });
      switch (out.status) {
        case "completed":
          return {
            status: "completed",
            reward: out.reward,
            metrics: { miou: out.reward, ...numeric(out.metrics as unknown as Record<string, unknown>) },
            curve: points(out.curve),
            modelDir: out.modelDir,
            backend: out.backend,
            durationMs: out.durationMs,
          };
        case "stopped":
          return {
            status: "stopped",
            reason: out.reason,
            reward: out.reward,
            curve: points(out.curve),
            modelDir: out.modelDir,
            backend: out.backend,
            durationMs: out.durationMs,
          };
        default:
          return {
            status: "failed",
            reason: out.reason,
            code: out.code,
            ...(out.fault ? { fault: out.fault } : {}),
            backend: out.backend,
            durationMs: out.durationMs,
          };
      }
    },
  };
}
