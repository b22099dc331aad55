/**
 * sa-paddleslim follows SPEC §3: one-token proposals from the current tokens, Metropolis
 * acceptance with T = T0 * 0.85^iterations, and none of the reference's crashes.
 */
import { MemoryStudyView } from "../simulate/simulate";
import { MobileNetV2SpaceSeg } from "../spaces/mobilenetv2-seg";
import { NasBench201Space } from "../spaces/nb201";
import { tinySpace } from "../testing/tiny-study";
import { hamming } from "./candidates";
import { PaddleSlimSa } from "./paddleslim-sa";

const nb201 = new NasBench201Space();

/** One ask + tell in a fresh view-backed loop. */
function step(s: PaddleSlimSa, view: MemoryStudyView, reward: (t: number[]) => number): number[] {
  const a = s.ask(view);
  if (a.kind !== "propose") throw new Error(`expected a proposal, got ${a.kind}`);
  view.markProposed(a.tokens);
  const r = reward(a.tokens);
  view.markFinished(a.tokens, r);
  s.tell(view, { tokens: a.tokens, reward: r });
  return a.tokens;
}

describe("sa-paddleslim", () => {
  it("starts at the space's init tokens with reward -1 and T0 = 1.0, rate 0.85", () => {
    const space = new MobileNetV2SpaceSeg();
    const s = PaddleSlimSa.create(space, { seed: 1 });
    expect(s.state.current).toEqual({ tokens: [...space.initTokens], reward: -1 });
    expect(s.state.best).toBeNull();
    expect(s.temperatureAt(0)).toBe(1);
    expect(s.temperatureAt(1)).toBeCloseTo(0.85, 12);
    expect(s.temperatureAt(10)).toBeCloseTo(0.85 ** 10, 12);
    const hot = PaddleSlimSa.create(space, { seed: 1, initTemperature: 10, reduceRate: 0.5 });
    expect(hot.temperatureAt(3)).toBeCloseTo(1.25, 12);
  });

  it("random init tokens come from the seed", () => {
    const a = PaddleSlimSa.create(nb201, { seed: 5, initTokens: "random" }).state.current.tokens;
    expect(PaddleSlimSa.create(nb201, { seed: 5, initTokens: "random" }).state.current.tokens).toEqual(a);
    expect(() => PaddleSlimSa.create(nb201, { seed: 5, initTokens: [9, 9, 9, 9, 9, 9] })).toThrow(
      /initTokens/,
    );
  });

  it("proposes one-token changes of the current tokens, over all positions", () => {
    const space = new MobileNetV2SpaceSeg();
    const view = new MemoryStudyView(space);
    const s = PaddleSlimSa.create(space, { seed: 2 });
    const positions = new Set<number>();
    let n = 0;
    for (let a = s.ask(view); a.kind === "propose"; a = s.ask(view)) {
      expect(hamming(a.tokens, space.initTokens)).toBeLessThanOrEqual(1);
      a.tokens.forEach((v, p) => v !== space.initTokens[p] && positions.add(p));
      view.markProposed(a.tokens);
      n++;
    }
    expect(positions.size).toBe(space.rangeTable.length);
    // With no reward told the walk stays put: its 116 neighbours and the init tokens themselves
    // (PaddleSlim never marks them as searched), then "exhausted".
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThanOrEqual(117);
  });

  it("always accepts a better reward, and a worse one with probability exp(delta / T)", () => {
    // Reward 0.5 (accepted: > -1), then 0.4 at iteration 2: p = exp(-0.1 / 0.85^2).
    const expected = Math.exp(-0.1 / 0.85 ** 2);
    let accepted = 0;
    let wrong = 0;
    const n = 2000;
    for (let seed = 0; seed < n; seed++) {
      const s = PaddleSlimSa.create(nb201, { seed });
      const view = new MemoryStudyView(nb201);
      const first = step(s, view, () => 0.5);
      if (s.state.current.reward !== 0.5 || s.state.current.tokens.join() !== first.join()) wrong++;
      const second = step(s, view, () => 0.4);
      if (s.state.current.reward === 0.4) {
        if (s.state.current.tokens.join() !== second.join()) wrong++;
        accepted++;
      }
      if (s.state.best?.reward !== 0.5 || s.state.iterations !== 2) wrong++;
    }
    expect(wrong).toBe(0);
    // Binomial sd ~0.0075 at n = 2000: 4 sd.
    expect(Math.abs(accepted / n - expected)).toBeLessThan(0.03);
  });

  it("does not move on a failed trial and does not count it as an iteration", () => {
    const s = PaddleSlimSa.create(nb201, { seed: 3 });
    const view = new MemoryStudyView(nb201);
    step(s, view, () => 0.7);
    const before = JSON.stringify(s.state);
    const a = s.ask(view);
    if (a.kind !== "propose") throw new Error("exhausted");
    view.markProposed(a.tokens);
    view.markFinished(a.tokens, null);
    s.tell(view, { tokens: a.tokens, reward: null });
    expect(JSON.stringify(s.state)).toBe(before);
  });

  it("with flat rewards walks until every reachable cell is used, then exhausts (no exit, no hang)", () => {
    const space = tinySpace([3, 3, 3]);
    const s = PaddleSlimSa.create(space, { seed: 4 });
    const view = new MemoryStudyView(space);
    let proposals = 0;
    for (;;) {
      const a = s.ask(view);
      if (a.kind === "exhausted") {
        expect(a.reason).toMatch(/sys\.exit/);
        break;
      }
      if (a.kind !== "propose") throw new Error(a.kind);
      view.markProposed(a.tokens);
      view.markFinished(a.tokens, 0.5);
      s.tell(view, { tokens: a.tokens, reward: 0.5 });
      proposals++;
      expect(s.state.current.tokens).toEqual(a.tokens); // equal rewards are always accepted
    }
    expect(proposals).toBeGreaterThan(3);
    expect(proposals).toBeLessThanOrEqual(27);
  });

  it("keeps working after 5,000 updates, when T has underflowed to 0", () => {
    const space = new MobileNetV2SpaceSeg();
    const s = PaddleSlimSa.create(space, { seed: 6 });
    const view = new MemoryStudyView(space);
    let i = 0;
    const reward = (): number => (i++ % 3) / 10; // 0, 0.1, 0.2, 0, ...: many non-improving rewards
    for (let k = 0; k < 5000; k++) step(s, view, reward);
    expect(s.temperatureAt(s.state.iterations)).toBe(0);
    const cur = s.state.current;
    step(s, view, () => cur.reward - 0.05); // worse: rejected at T = 0 (PaddleSlim divides by zero)
    expect(s.state.current).toEqual(cur);
    const equal = step(s, view, () => cur.reward); // equal: accepted (exp(0 / T) = 1 for all T > 0)
    expect(s.state.current).toEqual({ tokens: equal, reward: cur.reward });
    expect(s.state.iterations).toBe(5002);
  });
});
