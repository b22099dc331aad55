/**
 * A runner that "trains" without tfjs: a deterministic reward from the tokens, epochs that take
 * `epochMs` each (0 = instant). For tests (`SEGNAS_FAKE_TRAINER=1`), the protocol benchmark and
 * dry runs of a deployment. With a trial directory it writes a tiny "model" so the best-model
 * bookkeeping can be exercised too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EpochReport, TrialRunner, TrialRunOutcome, TrialRunRequest } from "./runner";

export interface FakeRunnerOptions {
  /** Epochs per trial (default: the budget's epochs, at least 1). */
  readonly epochs?: number;
  /** Milliseconds per epoch (default 0). */
  readonly epochMs?: number;
  /** Reward of tokens (default: a stable hash of the tokens in [0, 1)). */
  readonly reward?: (tokens: readonly number[]) => number;
  /**
   * Make some trials fail (e.g. to test failure handling): the reason, or the reason and whose
   * fault it was (default "architecture").
   */
  readonly fail?: (
    tokens: readonly number[],
    trialId: number,
  ) => string | { reason: string; fault: "architecture" | "worker" } | null;
  /** Write model/ and metrics.json into the trial directory (default true). */
  readonly writeFiles?: boolean;
}

/** A stable pseudo-reward in [0, 1) from tokens (FNV-1a). */
export function hashReward(tokens: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const t of tokens) {
    h ^= t & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= (t >>> 8) & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h >>> 0) / 4294967296;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export function createFakeRunner(options: FakeRunnerOptions = {}): TrialRunner {
  const rewardOf = options.reward ?? hashReward;
  return {
    backend: "fake",
    async run(req: TrialRunRequest): Promise<TrialRunOutcome> {
      const started = performance.now();
      req.onStarted?.({ backend: "fake" });
      const epochs = Math.max(1, options.epochs ?? req.budget.epochs);
      const target = rewardOf(req.tokens);
      const failed = options.fail?.(req.tokens, req.trialId) ?? null;
      const failure =
        typeof failed === "string" ? { reason: failed, fault: "architecture" as const } : failed;
      const curve: EpochReport[] = [];
      for (let epoch = 1; epoch <= epochs; epoch++) {
        if (options.epochMs) await sleep(options.epochMs, req.signal);
        if (req.signal.aborted) {
          return {
            status: "stopped",
            reason: String(req.signal.reason ?? "stopped"),
            reward: Math.max(0, ...curve.map((c) => c.miou ?? 0)),
            curve,
            modelDir: null,
            backend: "fake",
            durationMs: performance.now() - started,
          };
        }
        if (failure !== null && epoch === Math.ceil(epochs / 2)) {
          return {
            status: "failed",
            reason: failure.reason,
            code: failure.fault === "worker" ? "SEGNAS_E_DATA" : "SEGNAS_E_TRAINING",
            fault: failure.fault,
            backend: "fake",
            durationMs: performance.now() - started,
          };
        }
        const e: EpochReport = {
          epoch,
          miou: (target * epoch) / epochs,
          loss: 1 - (target * epoch) / epochs,
        };
        curve.push(e);
        req.onEpoch(e);
      }
      let modelDir: string | null = null;
      if (req.trialDir && options.writeFiles !== false) {
        modelDir = path.join(req.trialDir, "model");
        fs.mkdirSync(modelDir, { recursive: true });
        fs.writeFileSync(
          path.join(modelDir, "model.json"),
          JSON.stringify({ fake: true, tokens: req.tokens }),
        );
        fs.writeFileSync(path.join(req.trialDir, "metrics.json"), JSON.stringify({ reward: target, curve }));
      }
      return {
        status: "completed",
        reward: target,
        metrics: { miou: target, epochs },
        curve,
        modelDir,
        backend: "fake",
        durationMs: performance.now() - started,
      };
    },
  };
}
