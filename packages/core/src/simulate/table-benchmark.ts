/**
 * Repeated simulations of one strategy on one column of a benchmark table: K seeds, the search
 * sees only rewards (value / scale), and the summary is in the table's units (e.g. percentage
 * points of accuracy): mean best value, mean regret to the table optimum, 95% intervals.
 */
import { SegnasError } from "../errors";
import type { SearchSpace, Tokens } from "../search-space";
import { createStrategy, type StrategyOptions } from "../strategies/factory";
import { simulate } from "./simulate";
import { meanInterval, type MeanInterval } from "./stats";
import type { BenchmarkTable } from "./table";

export interface TableBenchmarkOptions {
  readonly table: BenchmarkTable;
  readonly column: string;
  readonly space: SearchSpace;
  readonly strategy: string;
  /** Extra strategy options (the seed is set per run). */
  readonly strategyOptions?: Omit<StrategyOptions, "seed">;
  /** One or more budgets (evaluations per search). */
  readonly budgets: readonly number[];
  readonly seeds: number;
  /** Seed of the first run; run i uses seed0 + i. Default 0. */
  readonly seed0?: number;
  /** Trials out at once (see simulate); default 1. */
  readonly workers?: number;
  /** Reward = value / scale (default 100: tables in percent, rewards in [0, 1]). */
  readonly scale?: number;
  /** Extra feasibility constraint. Rows missing from the table are always infeasible. */
  readonly constraint?: (tokens: Tokens) => boolean;
}

export interface TableBenchmarkSummary {
  readonly strategy: string;
  readonly column: string;
  readonly budget: number;
  readonly seeds: number;
  readonly seed0: number;
  readonly workers: number;
  /** Best value in the table (its units). */
  readonly optimum: number;
  /** Best value found, table units. */
  readonly best: MeanInterval;
  /** optimum - best found, table units (percentage points for accuracy tables). */
  readonly regret: MeanInterval;
  /** Fraction of runs that found the optimum. */
  readonly hitRate: number;
  /** Runs that ended before the budget (the strategy was exhausted). */
  readonly exhaustedRuns: number;
}

function check(ok: boolean, message: string, data: Record<string, unknown>): void {
  if (!ok) throw new SegnasError("SEGNAS_E_BAD_ARGUMENT", message, data);
}

/** Runs `seeds` searches per budget and summarises them (one summary per budget, same order). */
export function runTableBenchmark(options: TableBenchmarkOptions): TableBenchmarkSummary[] {
  const { table, column, budgets, seeds } = options;
  const space: SearchSpace = options.space;
  const seed0 = options.seed0 ?? 0;
  const workers = options.workers ?? 1;
  const scale = options.scale ?? 100;
  check(
    budgets.length > 0 && budgets.every((b) => Number.isInteger(b) && b >= 1),
    "budgets must be integers >= 1",
    {
      budgets,
    },
  );
  check(Number.isInteger(seeds) && seeds >= 1, `seeds must be an integer >= 1, got ${seeds}`, { seeds });
  check(Number.isInteger(seed0) && seed0 >= 0, `seed0 must be an integer >= 0, got ${seed0}`, { seed0 });
  check(Number.isInteger(workers) && workers >= 1, `workers must be an integer >= 1, got ${workers}`, {
    workers,
  });
  check(scale > 0 && Number.isFinite(scale), `scale must be a number > 0, got ${scale}`, { scale });
  const values = table.values(column); // throws (naming the columns) for an unknown column
  if (table.rows[0] !== undefined) space.validate(table.rows[0]);
  let optimum = -Infinity;
  table.rows.forEach((t, i) => {
    if (!options.constraint || options.constraint(t)) optimum = Math.max(optimum, values[i] as number);
  });
  const constraint = (t: Tokens): boolean => table.has(t) && (!options.constraint || options.constraint(t));
  const reward = (t: Tokens): number | null => {
    const v = table.lookup(t, column);
    return v === undefined ? null : v / scale;
  };

  const bestByBudget: number[][] = budgets.map(() => []);
  const exhausted = budgets.map(() => 0);
  // Sequentially, a budget-b search is exactly the first b steps of a longer one (strategies do
  // not know the budget), so one run serves all budgets; with parallel workers it is not.
  const groups = workers === 1 ? [[...budgets.keys()]] : budgets.map((_, i) => [i]);
  for (const group of groups) {
    const longest = Math.max(...group.map((i) => budgets[i] as number));
    for (let s = 0; s < seeds; s++) {
      const seed = seed0 + s;
      const strategy = createStrategy(options.strategy, space, { ...options.strategyOptions, seed });
      const run = simulate({
        space,
        strategy,
        reward,
        budget: longest,
        constraint,
        workers,
        orderSeed: seed,
      });
      for (const i of group) {
        const b = budgets[i] as number;
        const at = run.trajectory[Math.min(b, run.trajectory.length) - 1];
        (bestByBudget[i] as number[]).push(at === null || at === undefined ? Number.NaN : at * scale);
        if (run.trajectory.length < b) (exhausted[i] as number)++;
      }
    }
  }
  return budgets.map((budget, i) => {
    const found = (bestByBudget[i] as number[]).map((v) => (Number.isNaN(v) ? -Infinity : v));
    // Value * scale / scale can be off by an ulp: compare with a relative tolerance.
    const tol = 1e-9 * Math.max(1, Math.abs(optimum));
    const regrets = found.map((v) => Math.max(0, optimum - v));
    return {
      strategy: options.strategy,
      column,
      budget,
      seeds,
      seed0,
      workers,
      optimum,
      best: meanInterval(found),
      regret: meanInterval(regrets.map((r) => (r <= tol ? 0 : r))),
      hitRate: regrets.filter((r) => r <= tol).length / seeds,
      exhaustedRuns: exhausted[i] as number,
    };
  });
}
