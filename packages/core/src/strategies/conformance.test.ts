/**
 * The contract every strategy must honour (strategy.ts), run against all of them: determinism
 * by seed, exact continuation after a snapshot round trip, no duplicates, no infeasible
 * proposal, bounded exhaustion (never a hang), failed trials and asynchronous tells.
 */
import fc from "fast-check";
import { SegnasError } from "../errors";
import { tokensKey, type Tokens } from "../search-space";
import { MemoryStudyView } from "../simulate/simulate";
import { NasBench201Space } from "../spaces/nb201";
import { MobileNetV2SpaceSeg } from "../spaces/mobilenetv2-seg";
import { tinySpace } from "../testing/tiny-study";
import { createStrategy, restoreStrategy, strategyNames, type StrategyOptions } from "./factory";
import { drive, syntheticReward } from "../testing/strategy-drive";

const nb201 = new NasBench201Space();
const names = strategyNames();
// Small populations / batches so short tests reach every phase of each strategy.
const quick: Omit<StrategyOptions, "seed"> = {
  initSamples: 4,
  restartSamples: 3,
  population: 5,
  sampleSize: 2,
};

describe.each(names)("strategy %s", (name) => {
  const make = (seed: number, space = nb201) => createStrategy(name, space, { seed, ...quick });
  const reward = syntheticReward(nb201, 7);

  it("gives the same proposals for the same seed and rewards, other ones for another seed", () => {
    const a = drive(nb201, make(3), { reward, steps: 60 });
    const b = drive(nb201, make(3), { reward, steps: 60 });
    const c = drive(nb201, make(4), { reward, steps: 60 });
    expect(a.log).toEqual(b.log);
    expectFullOrExhausted(name, a, 60);
    expect(c.log).not.toEqual(a.log);
  });

  it.each([
    [1, 1],
    [7, 1],
    [23, 1],
    [13, 4],
  ])("continues identically after a snapshot round trip (after %i tells, %i workers)", (at, workers) => {
    const straight = drive(nb201, make(11), { reward, steps: 50, workers, orderSeed: 5 });
    const resumed = drive(nb201, make(11), { reward, steps: 50, workers, orderSeed: 5, restoreAfter: at });
    expect(resumed.log).toEqual(straight.log);
  });

  it("snapshots are plain JSON and name the strategy", () => {
    const s = make(1);
    drive(nb201, s, { reward, steps: 9 });
    const json = JSON.parse(JSON.stringify(s.toJSON())) as { name: string };
    expect(json.name).toBe(name);
    expect(restoreStrategy(nb201, json).name).toBe(name);
  });

  it("refuses a snapshot of another space or a damaged one (BadState)", () => {
    const json = make(1).toJSON() as Record<string, unknown>;
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (err) {
        return err instanceof SegnasError ? err.code : "not a SegnasError";
      }
      return undefined;
    };
    expect(code(() => restoreStrategy(new MobileNetV2SpaceSeg(), json))).toBe("SEGNAS_E_BAD_STATE");
    expect(code(() => restoreStrategy(nb201, { ...json, rng: { s: [1, 2] } }))).toBe("SEGNAS_E_BAD_STATE");
    expect(code(() => restoreStrategy(nb201, { ...json, v: 99 }))).toBe("SEGNAS_E_BAD_STATE");
    expect(code(() => restoreStrategy(nb201, "nonsense"))).toBe("SEGNAS_E_BAD_STATE");
  });

  it("survives failed trials (reward null) and rewards of any scale", () => {
    const flaky = (t: Tokens) => (t[0] === 2 ? null : 1000 * reward(t) - 50);
    const run = drive(nb201, make(2), { reward: flaky, steps: 80, workers: 3 });
    expectFullOrExhausted(name, run, 80);
  });

  it("never proposes twice or infeasibly, and exhausts instead of hanging (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (ranges, seed, modulus, workers, impossible) => {
          const space = tinySpace(ranges);
          const size = ranges.reduce((a, b) => a * b, 1);
          // A random-looking constraint (hash of the tokens), or one nothing satisfies.
          const feasible = (t: Tokens): boolean =>
            !impossible && (modulus === 0 || (hashOf(tokensKey(t)) + seed) % (modulus + 1) !== 0);
          const strategy = createStrategy(name, space, { seed, ...quick });
          const r = syntheticReward(space, seed);
          const run = drive(space, strategy, {
            reward: (t) => (hashOf(tokensKey(t)) % 5 === 0 ? null : r(t)),
            steps: size + 3,
            workers,
            constraint: feasible,
          });
          const nFeasible = countFeasible(ranges, feasible);
          expect(run.proposals.length).toBeLessThanOrEqual(nFeasible);
          expect(run.exhausted).toBeDefined(); // the budget exceeds what can be proposed
          if (impossible) expect(run.proposals).toHaveLength(0);
          // Every strategy but sa-paddleslim (which only mutates its current point, faithfully)
          // finds every feasible architecture of a small space before giving up.
          if (name !== "sa-paddleslim") expect(run.proposals).toHaveLength(nFeasible);
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it("answers exhausted at once for an impossible constraint on a large space", () => {
    const space = new MobileNetV2SpaceSeg();
    const strategy = createStrategy(name, space, { seed: 1, maxTries: 50, maxTryTimes: 50 });
    const view = new MemoryStudyView(space, () => false);
    const t0 = Date.now();
    const a = strategy.ask(view);
    expect(a.kind).toBe("exhausted");
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

it("createStrategy names the known strategies for an unknown one", () => {
  expect(() => createStrategy("annealing", nb201, { seed: 1 })).toThrow(
    /unknown strategy "annealing"; known strategies: sa, sa-paddleslim, random, evolution/,
  );
  expect(() => createStrategy("sa", nb201, { seed: -1 })).toThrow(SegnasError);
  expect(() => createStrategy("sa", nb201, { seed: 1, patience: 0 })).toThrow(/patience/);
});

/**
 * sa-paddleslim faithfully only mutates its current point: once T is small it sits on a local
 * optimum whose one-token changes were all handed out, and ends exhausted (PaddleSlim exits).
 */
function expectFullOrExhausted(
  name: string,
  run: { proposals: unknown[]; exhausted?: string },
  steps: number,
): void {
  if (name === "sa-paddleslim" && run.proposals.length < steps)
    expect(run.exhausted).toMatch(/sa-paddleslim/);
  else expect(run.proposals).toHaveLength(steps);
}

function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function countFeasible(ranges: number[], feasible: (t: Tokens) => boolean): number {
  let n = 0;
  const walk = (prefix: number[]): void => {
    if (prefix.length === ranges.length) {
      if (feasible(prefix)) n++;
      return;
    }
    for (let v = 0; v < (ranges[prefix.length] as number); v++) walk([...prefix, v]);
  };
  walk([]);
  return n;
}
