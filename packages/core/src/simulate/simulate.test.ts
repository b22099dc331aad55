import { createStrategy } from "../strategies/factory";
import { formatNb201Cell, NasBench201Space } from "../spaces/nb201";
import { simulate } from "./simulate";
import { meanInterval } from "./stats";
import { parseBenchmarkTable } from "./table";
import { runTableBenchmark } from "./table-benchmark";

const space = new NasBench201Space();
// A hand-made table of 4 cells: the search can only propose these (other cells are infeasible).
const CELLS: [number[], number, number][] = [
  [[0, 0, 0, 0, 0, 0], 10, 50],
  [[1, 1, 1, 1, 1, 1], 50, 40],
  [[3, 3, 3, 1, 2, 3], 80, 60],
  [[2, 2, 2, 2, 2, 2], 70, 90],
];
const table = parseBenchmarkTable(
  ["idx,cellstr,a,b", ...CELLS.map(([t, a, b], i) => `${i},${formatNb201Cell(t)},${a},${b}`)].join("\n"),
);

describe("simulate", () => {
  it("returns the best-so-far trajectory and stops when the strategy is exhausted", () => {
    const reward = (t: readonly number[]) => (table.lookup(t, "a") as number) / 100;
    const run = simulate({
      space,
      strategy: createStrategy("random", space, { seed: 3 }),
      reward,
      budget: 10,
      constraint: (t) => table.has(t),
    });
    expect(run.trials).toHaveLength(4);
    expect(run.exhausted).toMatch(/random/);
    expect(run.trajectory).toHaveLength(4);
    for (let i = 1; i < 4; i++)
      expect(run.trajectory[i]).toBeGreaterThanOrEqual(run.trajectory[i - 1] as number);
    expect(run.best).toEqual({ tokens: [3, 3, 3, 1, 2, 3], reward: 0.8 });
  });

  it("counts failed trials (null, NaN or a throw) against the budget", () => {
    let k = 0;
    const reward = () => {
      k++;
      if (k % 3 === 0) throw new Error("boom");
      return k % 3 === 1 ? Number.NaN : k;
    };
    const run = simulate({
      space,
      strategy: createStrategy("sa", space, { seed: 1 }),
      reward,
      budget: 30,
      workers: 4,
    });
    expect(run.trials).toHaveLength(30);
    expect(run.trials.filter((t) => t.reward === null)).toHaveLength(20);
    expect(run.trajectory[0]).toBeNull();
  });
});

describe("runTableBenchmark on a hand-made table", () => {
  it("budget = table size: every run finds the optimum (regret 0)", () => {
    for (const strategy of ["sa", "sa-paddleslim", "random", "evolution"]) {
      const [s] = runTableBenchmark({
        table,
        column: "b",
        space,
        strategy,
        budgets: [4],
        seeds: 5,
        strategyOptions: { initTokens: "random" },
      });
      if (strategy === "sa-paddleslim") continue; // it only reaches one-token neighbours
      expect(s?.optimum).toBe(90);
      expect(s?.regret.mean).toBe(0);
      expect(s?.hitRate).toBe(1);
    }
  });

  it("budget 1: the statistics are those of the picked cells, in table units", () => {
    const [s1, s4] = runTableBenchmark({
      table,
      column: "a",
      space,
      strategy: "random",
      budgets: [1, 6],
      seeds: 12,
      seed0: 100,
    });
    // Recompute run by run.
    const picks: number[] = [];
    for (let seed = 100; seed < 112; seed++) {
      const run = simulate({
        space,
        strategy: createStrategy("random", space, { seed }),
        reward: (t) => (table.lookup(t, "a") as number) / 100,
        budget: 1,
        constraint: (t) => table.has(t),
        orderSeed: seed,
      });
      picks.push((run.best?.reward as number) * 100);
    }
    const expected = meanInterval(picks.map((v) => 80 - v));
    expect(s1?.optimum).toBe(80);
    expect(s1?.best.mean).toBeCloseTo(picks.reduce((a, b) => a + b, 0) / 12, 9);
    expect(s1?.regret.mean).toBeCloseTo(expected.mean, 9);
    expect(s1?.regret.low).toBeCloseTo(expected.low, 9);
    expect(s1?.regret.high).toBeCloseTo(expected.high, 9);
    expect(s1?.hitRate).toBeCloseTo(picks.filter((v) => Math.abs(v - 80) < 1e-9).length / 12, 12);
    expect(s4?.regret.mean).toBe(0);
    expect(s4?.exhaustedRuns).toBe(12); // 6 > 4 cells
  });

  it("parallel workers give the same quality on a tiny table and validate arguments", () => {
    const [s] = runTableBenchmark({
      table,
      column: "a",
      space,
      strategy: "sa",
      budgets: [4],
      seeds: 3,
      workers: 3,
    });
    expect(s?.regret.mean).toBe(0);
    expect(() =>
      runTableBenchmark({ table, column: "nope", space, strategy: "sa", budgets: [4], seeds: 1 }),
    ).toThrow(/value columns are: a, b/);
    expect(() =>
      runTableBenchmark({ table, column: "a", space, strategy: "sa", budgets: [0], seeds: 1 }),
    ).toThrow(/budgets/);
  });
});
