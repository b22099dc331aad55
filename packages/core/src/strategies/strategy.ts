/**
 * The ask/tell contract every search strategy implements (Optuna's split): a strategy sees a
 * read-only view of the study, never sockets, files or clocks. Its randomness comes from its
 * own seeded Rng, whose state is part of `toJSON()`.
 *
 * The contract, which every strategy in this folder honours and tests check (see
 * strategies.test.ts):
 * - `ask` never proposes tokens for which `view.wasProposed` is true, and calls
 *   `view.isFeasible` on a candidate before proposing it: an infeasible candidate is never
 *   handed out. When no new feasible candidate turns up within a bounded number of tries it
 *   answers `{ kind: "exhausted", reason }` (the study ends the search; with no trial completed
 *   the CLI exits with SearchExhaustedError): `ask` never loops without bound.
 * - The study records a proposal as soon as `ask` returns it, so several asks may come before
 *   any tell (N workers), and tells may arrive in any order. A failed trial is told with
 *   `reward: null`. "Iterations" (e.g. for a temperature) count rewards received, never asks.
 * - When `tell` is called the view already contains that result (in `results()` and the
 *   counts).
 * - Same seed + same tells (in the same order) => same proposals. `toJSON()` captures
 *   everything the strategy cannot rebuild from the view; `restoreStrategy(space, json)`
 *   continues exactly where the snapshot was taken, given the same view. The study records a
 *   snapshot after every ask and tell, so snapshots stay small: history lives in the view.
 */
import type { SearchSpace, Tokens } from "../search-space";

/** A trial that produced a reward. */
export interface RewardedTrial {
  readonly tokens: Tokens;
  readonly reward: number;
}

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
  /**
   * Every trial with a reward (completed or imported), oldest trial first; failed trials are
   * absent. Model-based strategies rebuild their model from this instead of keeping (and
   * serialising) the history themselves.
   */
  results(): readonly RewardedTrial[];
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
  /** Everything needed to continue exactly (including the Rng state); plain JSON. */
  toJSON(): unknown;
}
