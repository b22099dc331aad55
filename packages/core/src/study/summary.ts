/** Read-only digests of a study state for status replies, reports and logs. */
import type { StudyState, TrialRecord } from "./state";
import { finishReason } from "./state";

export interface StudySummary {
  readonly studyId: string;
  readonly space: string;
  readonly strategy: string;
  readonly seed: number;
  /** Rewards counted towards the step budget, and the budget. */
  readonly steps: { readonly done: number; readonly total: number };
  readonly failed: number;
  readonly imported: number;
  readonly queued: number;
  readonly running: number;
  readonly finished: string | null;
  readonly best: { readonly trialId: number; readonly reward: number; readonly tokens: number[] } | null;
}

export function summarizeStudy(state: StudyState): StudySummary {
  const best = state.best ? state.trials[state.best.trialId - 1] : undefined;
  return {
    studyId: state.studyId,
    space: state.settings.space,
    strategy: state.settings.strategy,
    seed: state.settings.seed,
    steps: { done: state.completed, total: state.settings.searchSteps },
    failed: state.failed,
    imported: state.imported,
    queued: state.queue.length,
    running: state.leased,
    finished: finishReason(state) ?? null,
    best:
      best && state.best ? { trialId: best.id, reward: state.best.reward, tokens: [...best.tokens] } : null,
  };
}

/** Trials with a reward, best first (ties: earlier trial first). Imported ones included unless told. */
export function rankTrials(
  state: StudyState,
  options: { limit?: number; includeImported?: boolean } = {},
): TrialRecord[] {
  const ranked = state.trials
    .filter((t) => t.status === "completed" && t.reward !== undefined)
    .filter((t) => options.includeImported !== false || t.imported === undefined)
    .sort((a, b) => (b.reward as number) - (a.reward as number) || a.id - b.id);
  return options.limit === undefined ? ranked : ranked.slice(0, options.limit);
}
