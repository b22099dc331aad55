import type { SearchSpace, Tokens } from "../search-space";
import type { RewardedTrial, StudyView } from "../strategies/strategy";
import { trialKey, type StudyState } from "./state";

/** The read-only window a strategy gets onto a study. */
export function createStudyView(
  state: StudyState,
  space: SearchSpace,
  isFeasible: (tokens: Tokens) => boolean = () => true,
): StudyView {
  // results() grows incrementally: rewards only accumulate. Kept in trial order (oldest first).
  const cached: RewardedTrial[] = [];
  const cachedIds: number[] = [];
  let consumed = 0;
  return {
    space,
    wasProposed: (tokens) => state.byKey.has(trialKey(tokens)),
    isFeasible,
    get completedCount() {
      return state.completed + state.imported;
    },
    get pendingCount() {
      return state.queue.length + state.leased;
    },
    results() {
      for (; consumed < state.rewarded.length; consumed++) {
        const id = state.rewarded[consumed] as number;
        const t = state.trials[id - 1];
        if (!t || t.reward === undefined) continue;
        // Rewards arrive roughly in trial order: walk back from the end to the insertion point.
        let at = cachedIds.length;
        while (at > 0 && (cachedIds[at - 1] as number) > id) at--;
        cachedIds.splice(at, 0, id);
        cached.splice(at, 0, { tokens: t.tokens, reward: t.reward });
      }
      return cached;
    },
  };
}
