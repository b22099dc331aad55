/**
 * Test-only helpers (not exported from the index): a seeded random strategy and its factory, so
 * the server's tests do not depend on which real strategies exist.
 */
import {
  Rng,
  type AskResult,
  type SearchSpace,
  type Strategy,
  type StudyView,
  type TrialResult,
} from "@segnas/core";
import type { StrategyFactory } from "../open-study";

interface RandomState {
  readonly name: "random-test";
  readonly rng: { s: [number, number, number, number] };
  readonly told: number;
}

export class RandomTestStrategy implements Strategy {
  readonly name = "random-test";
  private readonly rng: Rng;
  private told: number;

  constructor(seed: number | RandomState) {
    this.rng = typeof seed === "number" ? Rng.fromSeed(seed) : Rng.fromState(seed.rng);
    this.told = typeof seed === "number" ? 0 : seed.told;
  }

  ask(view: StudyView): AskResult {
    for (let i = 0; i < 500; i++) {
      const tokens = view.space.sample(this.rng);
      if (!view.wasProposed(tokens) && view.isFeasible(tokens)) return { kind: "propose", tokens };
    }
    return { kind: "exhausted", reason: "500 random samples were all tried before" };
  }

  tell(_view: StudyView, _result: TrialResult): void {
    this.told++;
  }

  toJSON(): RandomState {
    return { name: "random-test", rng: this.rng.state() as RandomState["rng"], told: this.told };
  }
}

export const testStrategies: StrategyFactory = {
  create: (_name: string, _space: SearchSpace, options: { seed: number }) =>
    new RandomTestStrategy(options.seed),
  restore: (_space: SearchSpace, json: unknown) => new RandomTestStrategy(json as RandomState),
};
