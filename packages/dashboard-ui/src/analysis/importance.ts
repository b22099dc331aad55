/**
 * Which searched choices matter: for each token position, the share of the reward variance
 * explained by that position's value (between-group variance of the mean reward per value,
 * divided by the total variance; eta squared of a one-way ANOVA). 0 = the choice does not move
 * the reward, 1 = it alone decides it. Simple, stated, O(n * positions); not causal (choices
 * the search correlated share credit).
 */
export interface ChoiceImportance {
  readonly position: number;
  readonly name: string;
  readonly importance: number;
  /** Mean reward per value of the choice (NaN where no trial took it). */
  readonly meanByValue: readonly number[];
}

export function choiceImportance(
  samples: ReadonlyArray<{ readonly tokens: readonly number[]; readonly reward: number }>,
  names: readonly string[],
  ranges: readonly number[],
): ChoiceImportance[] {
  const n = samples.length;
  if (n === 0) return [];
  const mean = samples.reduce((a, s) => a + s.reward, 0) / n;
  const total = samples.reduce((a, s) => a + (s.reward - mean) ** 2, 0);
  const out: ChoiceImportance[] = [];
  for (let pos = 0; pos < ranges.length; pos++) {
    const size = Math.max(1, ranges[pos] ?? 1);
    const sum = new Float64Array(size);
    const count = new Float64Array(size);
    for (const s of samples) {
      const v = s.tokens[pos];
      if (v === undefined || v < 0 || v >= size) continue;
      sum[v] = (sum[v] as number) + s.reward;
      count[v] = (count[v] as number) + 1;
    }
    let between = 0;
    const meanByValue: number[] = [];
    for (let v = 0; v < size; v++) {
      const c = count[v] as number;
      const m = c > 0 ? (sum[v] as number) / c : Number.NaN;
      meanByValue.push(m);
      if (c > 0) between += c * (m - mean) ** 2;
    }
    out.push({
      position: pos,
      name: names[pos] ?? `token ${pos}`,
      importance: total > 0 ? between / total : 0,
      meanByValue,
    });
  }
  return out;
}
