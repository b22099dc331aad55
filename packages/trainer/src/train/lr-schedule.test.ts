import { learningRateAt, type LrScheduleOptions } from "./lr-schedule";

const base: LrScheduleOptions = {
  baseLr: 0.1,
  policy: "poly",
  totalSteps: 100,
  stepsPerEpoch: 10,
  power: 0.9,
};

describe("learningRateAt", () => {
  it("poly: lr * (1 - step/total)^0.9, reaching 0 at the end", () => {
    expect(learningRateAt(0, base)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(50, base)).toBeCloseTo(0.1 * Math.pow(0.5, 0.9), 12);
    expect(learningRateAt(99, base)).toBeCloseTo(0.1 * Math.pow(0.01, 0.9), 12);
    expect(learningRateAt(100, base)).toBe(0);
    expect(learningRateAt(150, base)).toBe(0);
  });

  it("poly values decrease monotonically and honour SOLVER.POWER", () => {
    const lrs = Array.from({ length: 101 }, (_, s) => learningRateAt(s, base));
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1] as number);
    expect(learningRateAt(50, { ...base, power: 1 })).toBeCloseTo(0.05, 12);
    expect(learningRateAt(50, { ...base, power: 2 })).toBeCloseTo(0.025, 12);
  });

  it("piecewise: multiplies by gamma after each DECAY_EPOCH", () => {
    const o: LrScheduleOptions = { ...base, policy: "piecewise", gamma: 0.1, decayEpochs: [3, 6] };
    expect(learningRateAt(29, o)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(30, o)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(60, o)).toBeCloseTo(0.001, 12);
  });

  it("cosine: per-epoch half cosine", () => {
    const o: LrScheduleOptions = { ...base, policy: "cosine", numEpochs: 10 };
    expect(learningRateAt(0, o)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(9, o)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(50, o)).toBeCloseTo(0.05, 12);
  });

  it("warm-up ramps linearly from 0", () => {
    const o = { ...base, warmupSteps: 10 };
    expect(learningRateAt(0, o)).toBe(0);
    expect(learningRateAt(5, o)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(10, o)).toBeCloseTo(learningRateAt(10, base), 12);
  });

  it("rejects an empty schedule and unknown policies with typed errors", () => {
    expect(() => learningRateAt(0, { ...base, totalSteps: 0 })).toThrow(/totalSteps/);
    expect(() => learningRateAt(0, { ...base, policy: "exp" as never })).toThrow(/LR_POLICY/);
  });
});
