/**
 * Regularized evolution (Real et al., AAAI 2019, "aging evolution"): a population of the
 * `population` most recent results; each proposal mutates one token of the winner of a
 * tournament among `sampleSize` members drawn uniformly (with replacement); every new result
 * joins the population and the oldest member leaves. Asynchronous by nature: a proposal only
 * needs the results told so far.
 *
 * - Until `population` random architectures have been handed out, proposals are random; while
 *   none of them has been told yet, further asks are random too (workers never wait).
 * - A child that was handed out before or is infeasible is redrawn (a new tournament and
 *   mutation each time) up to `maxTries` times, then a random new feasible architecture is
 *   proposed; only when that fails too is the search exhausted.
 * - A failed trial (reward null) does not join the population.
 */
import { Rng } from "../rng";
import type { SearchSpace } from "../search-space";
import { isNewAndFeasible, mutateOneToken, sampleNewFeasible } from "./candidates";
import { intOption, seedOption } from "./options";
import { badState, openSnapshot, writeSnapshot, type Scored } from "./state-json";
import type { AskResult, Strategy, StudyView, TrialResult } from "./strategy";

export interface EvolutionOptions {
  readonly seed: number;
  /** Population size (members kept, oldest out). Default 20. */
  readonly population?: number;
  /** Tournament size. Default 5. */
  readonly sampleSize?: number;
  /** Redraws of a duplicate or infeasible child before falling back to random. Default 100. */
  readonly maxTries?: number;
}

const NAME = "evolution";
const VERSION = 1;

interface Settings {
  readonly seed: number;
  readonly population: number;
  readonly sampleSize: number;
  readonly maxTries: number;
}

export class RegularizedEvolution implements Strategy {
  readonly name = NAME;

  private constructor(
    private readonly space: SearchSpace,
    private readonly settings: Settings,
    private readonly rng: Rng,
    /** Oldest first. */
    private readonly members: Scored[],
    /** Random initial proposals handed out so far. */
    private initIssued: number,
  ) {}

  private static settingsOf(options: EvolutionOptions): Settings {
    return {
      seed: seedOption(NAME, options.seed),
      population: intOption(NAME, "population", options.population, 20, 1),
      sampleSize: intOption(NAME, "sampleSize", options.sampleSize, 5, 1),
      maxTries: intOption(NAME, "maxTries", options.maxTries, 100, 1),
    };
  }

  static create(space: SearchSpace, options: EvolutionOptions): RegularizedEvolution {
    const settings = RegularizedEvolution.settingsOf(options);
    return new RegularizedEvolution(space, settings, Rng.fromSeed(settings.seed), [], 0);
  }

  static restore(space: SearchSpace, json: unknown): RegularizedEvolution {
    const r = openSnapshot(json, NAME, VERSION, space);
    const settings = RegularizedEvolution.settingsOf(r.record("options") as unknown as EvolutionOptions);
    const members = r.array("members").map((m, i) => {
      const s = r.scored(`members[${i}]`, space, m);
      if (!s) throw badState(NAME, `"members[${i}]" must be {tokens, reward}`);
      return s;
    });
    return new RegularizedEvolution(space, settings, r.rng(), members, r.int("initIssued"));
  }

  /** The current population, oldest first. */
  get population(): readonly Scored[] {
    return this.members;
  }

  ask(view: StudyView): AskResult {
    const { population, sampleSize, maxTries } = this.settings;
    if (this.initIssued < population || this.members.length === 0) {
      const t = sampleNewFeasible(view, this.rng, maxTries * 10);
      if (!t) return this.exhausted("random initial sampling found no new feasible architecture");
      if (this.initIssued < population) this.initIssued++;
      return { kind: "propose", tokens: t };
    }
    for (let i = 0; i < maxTries; i++) {
      let parent = this.members[this.rng.int(this.members.length)] as Scored;
      for (let k = 1; k < sampleSize; k++) {
        const c = this.members[this.rng.int(this.members.length)] as Scored;
        if (c.reward > parent.reward) parent = c;
      }
      const child = mutateOneToken(parent.tokens, this.space.rangeTable, this.rng);
      if (isNewAndFeasible(view, child)) return { kind: "propose", tokens: child };
    }
    const t = sampleNewFeasible(view, this.rng, maxTries * 10);
    if (t) return { kind: "propose", tokens: t };
    return this.exhausted(`${maxTries} mutated children and random sampling found nothing new and feasible`);
  }

  tell(_view: StudyView, result: TrialResult): void {
    const r = result.reward;
    if (r === null || !Number.isFinite(r)) return;
    this.members.push({ tokens: [...result.tokens], reward: r });
    while (this.members.length > this.settings.population) this.members.shift();
  }

  toJSON(): unknown {
    return writeSnapshot(NAME, VERSION, this.space, { ...this.settings }, this.rng, {
      members: this.members,
      initIssued: this.initIssued,
    });
  }

  private exhausted(why: string): AskResult {
    return { kind: "exhausted", reason: `evolution: ${why}` };
  }
}
