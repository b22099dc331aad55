import type { DashTrial } from "../model";

/** Completed trials in the order their rewards came, with the best reward so far after each. */
export function rewardHistory(trials: readonly DashTrial[]): {
  ids: number[];
  order: number[];
  reward: number[];
  best: number[];
} {
  const done = trials
    .filter((t) => t.reward !== null && Number.isFinite(t.reward))
    .sort((a, b) => (a.finishedAt ?? a.id) - (b.finishedAt ?? b.id) || a.id - b.id);
  const ids: number[] = [];
  const order: number[] = [];
  const reward: number[] = [];
  const best: number[] = [];
  let b = -Infinity;
  done.forEach((t, i) => {
    const r = t.reward as number;
    b = Math.max(b, r);
    ids.push(t.id);
    order.push(i + 1);
    reward.push(r);
    best.push(b);
  });
  return { ids, order, reward, best };
}

/** The top `fraction` (0..1] of completed trials by reward, at least one when any exist. */
export function topFraction(trials: readonly DashTrial[], fraction: number): DashTrial[] {
  const done = trials
    .filter((t) => t.reward !== null)
    .sort((a, b) => (b.reward as number) - (a.reward as number));
  if (fraction >= 1) return done;
  return done.slice(0, Math.max(1, Math.ceil(done.length * fraction)));
}
