/**
 * Random search: uniform samples over the space, never repeated, always feasible. The baseline
 * every other strategy has to beat.
 */
import { Rng } from "../rng";
import { spaceSize, type SearchSpace } from "../search-space";
import { ENUMERATE_LIMIT, sampleNewFeasible } from "./candidates";
import { intOption, seedOption } from "./options";
import { openSnapshot, writeSnapshot } from "./state-json";
import type { AskResult, Strategy, StudyView, TrialResult } from "./strategy";

export interface RandomOptions {
  readonly seed: number;
  /** Rejection samples per ask before a full scan (small spaces) or giving up. Default 1000. */
  readonly maxTries?: number;
}

const NAME = "random";
const VERSION = 1;

export class RandomSearch implements Strategy {
  readonly name = NAME;
  private readonly seed: number;
  private readonly maxTries: number;

  private constructor(
    private readonly space: SearchSpace,
    options: RandomOptions,
    private rng: Rng,
  ) {
    this.seed = seedOption(NAME, options.seed);
    this.maxTries = intOption(NAME, "maxTries", options.maxTries, 1000, 1);
  }

  static create(space: SearchSpace, options: RandomOptions): RandomSearch {
    return new RandomSearch(space, options, Rng.fromSeed(seedOption(NAME, options.seed)));
  }

  static restore(space: SearchSpace, json: unknown): RandomSearch {
    const r = openSnapshot(json, NAME, VERSION, space);
    const o = r.record("options");
    return new RandomSearch(space, { seed: o.seed as number, maxTries: o.maxTries as number }, r.rng());
  }

  ask(view: StudyView): AskResult {
    const tokens = sampleNewFeasible(view, this.rng, this.maxTries);
    if (tokens) return { kind: "propose", tokens };
    return {
      kind: "exhausted",
      reason: `random: no new feasible architecture in ${this.maxTries} samples${
        spaceSize(view.space) <= ENUMERATE_LIMIT ? " and a full scan of the space" : ""
      }`,
    };
  }

  tell(_view: StudyView, _result: TrialResult): void {
    // Random search learns nothing.
  }

  toJSON(): unknown {
    return writeSnapshot(NAME, VERSION, this.space, { seed: this.seed, maxTries: this.maxTries }, this.rng);
  }
}
