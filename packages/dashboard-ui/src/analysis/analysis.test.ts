import fc from "fast-check";
import type { DashTrial } from "../model";
import { packTrials, unpackTrials } from "../pack";
import { choiceImportance } from "./importance";
import { rewardHistory, topFraction } from "./history";
import { paretoFront } from "./pareto";

function bruteFront(pts: Array<{ id: number; cost: number; reward: number }>): number[] {
  // A point is on the front when no other point is at least as good on both and better on one
  // (ties on both: the lowest id stays).
  return pts
    .filter(
      (p) =>
        !pts.some(
          (q) =>
            q !== p &&
            q.cost <= p.cost &&
            q.reward >= p.reward &&
            (q.cost < p.cost || q.reward > p.reward || q.id < p.id),
        ),
    )
    .map((p) => p.id)
    .sort((a, b) => a - b);
}

describe("paretoFront", () => {
  it("equals the O(n^2) definition on random points (ties included)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ cost: fc.integer({ min: 0, max: 20 }), reward: fc.integer({ min: 0, max: 20 }) }),
          {
            maxLength: 60,
          },
        ),
        (raw) => {
          const pts = raw.map((p, i) => ({ id: i + 1, ...p }));
          expect(
            paretoFront(pts)
              .map((p) => p.id)
              .sort((a, b) => a - b),
          ).toEqual(bruteFront(pts));
        },
      ),
    );
  });

  it("returns the front by increasing cost and reward, skipping non-finite points", () => {
    const front = paretoFront([
      { id: 1, cost: 10, reward: 0.5 },
      { id: 2, cost: 5, reward: 0.4 },
      { id: 3, cost: 20, reward: 0.45 },
      { id: 4, cost: Number.NaN, reward: 0.9 },
      { id: 5, cost: 30, reward: 0.7 },
    ]);
    expect(front.map((p) => p.id)).toEqual([2, 1, 5]);
  });
});

describe("choiceImportance", () => {
  it("gives a choice that decides the reward 1, a choice that does not 0", () => {
    const samples = [];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) samples.push({ tokens: [a, b], reward: a * 0.1 });
    const imp = choiceImportance(samples, ["a", "b"], [3, 3]);
    expect(imp[0]?.importance).toBeCloseTo(1);
    expect(imp[1]?.importance).toBeCloseTo(0);
    expect(imp[0]?.meanByValue).toEqual([0, 0.1, 0.2].map((x) => expect.closeTo(x)));
  });

  it("is 0 everywhere when all rewards are equal, and empty without samples", () => {
    expect(choiceImportance([{ tokens: [1], reward: 0.3 }], ["a"], [2])[0]?.importance).toBe(0);
    expect(choiceImportance([], ["a"], [2])).toEqual([]);
  });
});

const trial = (
  id: number,
  reward: number | null,
  finishedAt: number | null,
  extra: Partial<DashTrial> = {},
): DashTrial => ({
  id,
  status: reward === null ? "failed" : "completed",
  reward,
  tokens: [id % 3, 1],
  blocks: "(1,16,1,1,3)",
  params: 1000 * id,
  flops: null,
  latencyMs: null,
  worker: "w",
  backend: null,
  device: null,
  host: null,
  attempts: 1,
  startedAt: null,
  finishedAt,
  durationMs: 12,
  curve: [
    [1, 0.1234567],
    [2, 0.2],
  ],
  failure: null,
  model: null,
  trialDir: null,
  imported: null,
  rev: id,
  ...extra,
});

describe("rewardHistory and topFraction", () => {
  it("orders rewards by arrival and keeps the best so far", () => {
    const h = rewardHistory([trial(1, 0.5, 30), trial(2, 0.7, 10), trial(3, null, 5), trial(4, 0.6, 20)]);
    expect(h.ids).toEqual([2, 4, 1]);
    expect(h.best).toEqual([0.7, 0.7, 0.7]);
    expect(topFraction([trial(1, 0.5, 1), trial(2, 0.7, 2), trial(3, 0.1, 3)], 0.2).map((t) => t.id)).toEqual(
      [2],
    );
  });
});

describe("packTrials", () => {
  it("round-trips, with curves to 4 decimals and non-consecutive epochs kept", () => {
    const odd = trial(2, 0.25, 5, { curve: [[3, 0.5]], failure: "x", latencyMs: 1.5 });
    const back = unpackTrials(JSON.parse(JSON.stringify(packTrials([trial(1, 0.123456789, 9), odd]))));
    expect(back[0]).toEqual({
      ...trial(1, 0.123457, 9),
      curve: [
        [1, 0.1235],
        [2, 0.2],
      ],
    });
    expect(back[1]).toEqual(odd);
  });
});
