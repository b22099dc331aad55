/**
 * The Pareto front of "higher reward, lower cost" in O(n log n): sort by cost (ties: best reward
 * first), sweep keeping the best reward so far; a point is on the front when it beats it. The
 * O(n^2) pairwise check is what made optuna-dashboard crawl (PR #506).
 */
export interface ParetoPoint {
  readonly id: number;
  readonly cost: number;
  readonly reward: number;
}

/** The non-dominated points, in increasing cost (and increasing reward). */
export function paretoFront<P extends ParetoPoint>(points: readonly P[]): P[] {
  const finite = points.filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.reward));
  finite.sort((a, b) => a.cost - b.cost || b.reward - a.reward || a.id - b.id);
  const front: P[] = [];
  let best = -Infinity;
  for (const p of finite) {
    if (p.reward > best) {
      front.push(p);
      best = p.reward;
    }
  }
  return front;
}
