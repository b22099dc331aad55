/**
 * `sa` specifics: its phases, invariance to the reward's scale, restarts, and that it actually
 * searches better than random on a landscape it was never tuned on.
 */
import { MemoryStudyView, simulate } from "../simulate/simulate";
import { MobileNetV2SpaceSeg } from "../spaces/mobilenetv2-seg";
import { NasBench201Space } from "../spaces/nb201";
import { hamming } from "./candidates";
import { createStrategy } from "./factory";
import { SurrogateSa } from "./sa";
import { drive, syntheticReward } from "../testing/strategy-drive";

const nb201 = new NasBench201Space();

describe("sa", () => {
  it("samples initSamples random cells, then walks one token at a time from the best of them", () => {
    const reward = syntheticReward(nb201, 3);
    const s = SurrogateSa.create(nb201, { seed: 1, initSamples: 6 });
    const view = new MemoryStudyView(nb201);
    const told: { tokens: number[]; reward: number }[] = [];
    for (let i = 0; i < 6; i++) {
      expect(s.state.phase).toBe("sample");
      const a = s.ask(view);
      if (a.kind !== "propose") throw new Error(a.kind);
      view.markProposed(a.tokens);
      const r = reward(a.tokens);
      view.markFinished(a.tokens, r);
      s.tell(view, { tokens: a.tokens, reward: r });
      told.push({ tokens: a.tokens, reward: r });
    }
    const best = told.reduce((a, b) => (b.reward > a.reward ? b : a));
    expect(s.state.phase).toBe("walk");
    expect(s.state.current).toEqual(best);
    const a = s.ask(view);
    if (a.kind !== "propose") throw new Error(a.kind);
    expect(hamming(a.tokens, best.tokens)).toBe(1);
  });

  it("is invariant to the reward's scale and offset (same proposals for 100 r + 7)", () => {
    const reward = syntheticReward(nb201, 9);
    const a = drive(nb201, createStrategy("sa", nb201, { seed: 4 }), { reward, steps: 80 });
    const b = drive(nb201, createStrategy("sa", nb201, { seed: 4 }), {
      reward: (t) => 100 * reward(t) + 7,
      steps: 80,
    });
    expect(b.log).toEqual(a.log);
  });

  it("restarts with a sample batch after `patience` non-improving neighbours", () => {
    const s = SurrogateSa.create(nb201, {
      seed: 2,
      initSamples: 2,
      restartSamples: 3,
      patience: 4,
      temperature: 0,
    });
    const view = new MemoryStudyView(nb201);
    // Two samples (rewards 1 and 0: the first is the start), then 4 worse neighbours -> restart.
    let phases = "";
    for (let i = 0; i < 2 + 4 + 1; i++) {
      const a = s.ask(view);
      if (a.kind !== "propose") throw new Error(a.kind);
      phases += s.state.phase === "sample" ? "s" : "w";
      view.markProposed(a.tokens);
      const r = i === 0 ? 1 : i === 1 ? 0 : -1;
      view.markFinished(a.tokens, r);
      s.tell(view, { tokens: a.tokens, reward: r });
    }
    expect(phases).toBe("sswwwws");
  });

  it("fits the surrogate on the nearest modelPoints results, and still resumes exactly", () => {
    const reward = syntheticReward(nb201, 5);
    const make = () => createStrategy("sa", nb201, { seed: 8, modelPoints: 12, initSamples: 5 });
    const straight = drive(nb201, make(), { reward, steps: 60 });
    const resumed = drive(nb201, make(), { reward, steps: 60, restoreAfter: 33 });
    expect(resumed.log).toEqual(straight.log);
  });

  it("moves to any better result, even a late one from an old neighbourhood", () => {
    const s = SurrogateSa.create(nb201, { seed: 3, initSamples: 1 });
    const view = new MemoryStudyView(nb201);
    const first = s.ask(view);
    if (first.kind !== "propose") throw new Error(first.kind);
    view.markProposed(first.tokens);
    const a = s.ask(view); // a second sample while the first is out
    const b = s.ask(view);
    if (a.kind !== "propose" || b.kind !== "propose") throw new Error("exhausted");
    view.markProposed(a.tokens);
    view.markProposed(b.tokens);
    view.markFinished(first.tokens, 0.2);
    s.tell(view, { tokens: first.tokens, reward: 0.2 });
    expect(s.state.current?.reward).toBe(0.2);
    view.markFinished(b.tokens, 0.9);
    s.tell(view, { tokens: b.tokens, reward: 0.9 });
    expect(s.state.current).toEqual({ tokens: b.tokens, reward: 0.9 });
    view.markFinished(a.tokens, 0.1);
    s.tell(view, { tokens: a.tokens, reward: 0.1 });
    expect(s.state.current?.reward).toBe(0.9);
  });

  it("beats random search on a synthetic landscape, sequentially and with 8 workers", () => {
    const space = new MobileNetV2SpaceSeg();
    let saWins = 0;
    let parallelWins = 0;
    const seeds = 4;
    for (let seed = 0; seed < seeds; seed++) {
      const reward = syntheticReward(space, 100 + seed);
      const run = (name: string, workers: number): number =>
        simulate({
          space,
          strategy: createStrategy(name, space, { seed }),
          reward,
          budget: 80,
          workers,
          orderSeed: seed,
        }).best?.reward ?? -Infinity;
      const rnd = run("random", 1);
      if (run("sa", 1) > rnd) saWins++;
      if (run("sa", 8) > rnd) parallelWins++;
    }
    expect(saWins).toBe(seeds);
    expect(parallelWins).toBeGreaterThanOrEqual(seeds - 1);
  });
});
