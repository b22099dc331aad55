/**
 * The ask/tell contract every search strategy implements (Optuna's split): a strategy sees a
 * read-only view of the study and a seeded Rng, never sockets, files or clocks.
 */
import type { SearchSpace, Tokens } from "../search-space";

/** What a strategy may ask of the study it serves. */
export interface StudyView {
  readonly space: SearchSpace;
  /** True if these tokens were ever handed out (pending, running, finished or failed). */
  wasProposed(tokens: Tokens): boolean;
  /** True if the tokens satisfy the study's constraints (max FLOPs / params). */
  isFeasible(tokens: Tokens): boolean;
  /** Rewards received so far (the iteration count). */
  readonly completedCount: number;
  /** Trials handed out and not yet reported. */
  readonly pendingCount: number;
}

export type AskResult =
  | { readonly kind: "propose"; readonly tokens: number[] }
  /** Nothing to propose until a pending result arrives (e.g. a generation is incomplete). */
  | { readonly kind: "wait" }
  /** No new feasible candidate can be found; `reason` says why in words. */
  | { readonly kind: "exhausted"; readonly reason: string };

export interface TrialResult {
  readonly tokens: Tokens;
  /** The reward (higher is better); null for a failed trial. */
  readonly reward: number | null;
}

export interface Strategy {
  readonly name: string;
  ask(view: StudyView): AskResult;
  tell(view: StudyView, result: TrialResult): void;
  /** Everything needed to continue exactly (including the Rng state). */
  toJSON(): unknown;
}
