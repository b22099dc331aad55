/**
 * PaddleSlim's SANAS controller (SPEC §3), reproduced rule for rule so that segnas can be
 * compared with it — but seeded, and without its crashes:
 *
 * - State: current tokens and reward (start: the init tokens, reward -1), the best pair, the
 *   iteration count.
 * - Proposal: copy the current tokens, pick one position uniformly, set it to a uniform value
 *   of its range (it may equal the old value); retry while the result was handed out before or
 *   is infeasible, at most `maxTryTimes` times. PaddleSlim then calls `sys.exit()`; here ask
 *   answers "exhausted".
 * - Acceptance of a reward r: T = T0 * reduceRate ^ iterations, where iterations counts the
 *   rewards received including this one (PaddleSlim's client increments its counter before
 *   `update`). Accept as current if r > current or rand <= exp((r - current) / T). PaddleSlim
 *   uses `client_num * max-per-client-iter` instead, which overshoots with N workers.
 * - When T underflows to 0 (after ~4,600 rewards at T0 = 1, rate 0.85) PaddleSlim divides by
 *   zero. Here the limit T -> 0+ is used: a worse reward is rejected, an equal one accepted
 *   (exp(0/T) = 1 for every T > 0).
 * - A failed trial (reward null) changes nothing and is not an iteration.
 * - T0: SAController defaults to 10.0 when it gets no init tokens and 1.0 otherwise, but SANAS
 *   always resolves init tokens (the space's, the user's, or random ones) before creating the
 *   controller, so in practice T0 = 1.0. The NAS-Bench-201 reference figures (0.44 / 1.15 pp
 *   regret at 100 / 50 rewards) are reproduced with random init tokens and T0 = 1.0; T0 = 10
 *   gives ~1.8 pp at 50 (docs/strategies.md).
 */
import { Rng } from "../rng";
import type { SearchSpace } from "../search-space";
import { isNewAndFeasible } from "./candidates";
import { intOption, numberOption, seedOption, badOption } from "./options";
import { badState, openSnapshot, writeSnapshot, type Scored } from "./state-json";
import type { AskResult, Strategy, StudyView, TrialResult } from "./strategy";

export interface PaddleSlimSaOptions {
  readonly seed: number;
  /**
   * Where the walk starts: the space's init tokens ("space", the default, as PaddleSeg does),
   * uniform random tokens drawn from the seed ("random", what SANAS does without init tokens),
   * or explicit tokens.
   */
  readonly initTokens?: "space" | "random" | readonly number[];
  /** T0; default 1.0 (see the file comment). */
  readonly initTemperature?: number;
  /** Default 0.85. */
  readonly reduceRate?: number;
  /** Proposal retries before giving up; default 300 (SAController's default). */
  readonly maxTryTimes?: number;
}

const NAME = "sa-paddleslim";
const VERSION = 1;

interface Settings {
  readonly seed: number;
  readonly initTokens: number[];
  readonly initTemperature: number;
  readonly reduceRate: number;
  readonly maxTryTimes: number;
}

export class PaddleSlimSa implements Strategy {
  readonly name = NAME;

  private constructor(
    private readonly space: SearchSpace,
    private readonly settings: Settings,
    private readonly rng: Rng,
    private current: Scored,
    private bestSoFar: Scored | null,
    private iterations: number,
  ) {}

  static create(space: SearchSpace, options: PaddleSlimSaOptions): PaddleSlimSa {
    const seed = seedOption(NAME, options.seed);
    const rng = Rng.fromSeed(seed);
    const init = options.initTokens ?? "space";
    let initTokens: number[];
    if (init === "space") initTokens = [...space.initTokens];
    else if (init === "random") initTokens = space.sample(rng);
    else if (Array.isArray(init)) {
      try {
        space.validate(init);
      } catch (err) {
        throw badOption(NAME, "initTokens", init, err instanceof Error ? err.message : String(err));
      }
      initTokens = [...init];
    } else throw badOption(NAME, "initTokens", init, `use "space", "random" or a token list`);
    const settings: Settings = {
      seed,
      initTokens,
      initTemperature: numberOption(
        NAME,
        "initTemperature",
        options.initTemperature,
        1.0,
        (x) => x > 0,
        "use a number > 0",
      ),
      reduceRate: numberOption(
        NAME,
        "reduceRate",
        options.reduceRate,
        0.85,
        (x) => x > 0 && x <= 1,
        "use a number in (0, 1]",
      ),
      maxTryTimes: intOption(NAME, "maxTryTimes", options.maxTryTimes, 300, 1),
    };
    // PaddleSlim: reward -1 and no best tokens until the first update.
    return new PaddleSlimSa(space, settings, rng, { tokens: initTokens, reward: -1 }, null, 0);
  }

  static restore(space: SearchSpace, json: unknown): PaddleSlimSa {
    const r = openSnapshot(json, NAME, VERSION, space);
    const o = r.record("options");
    const created = PaddleSlimSa.create(space, {
      seed: o.seed as number,
      initTokens: o.initTokens as number[],
      initTemperature: o.initTemperature as number,
      reduceRate: o.reduceRate as number,
      maxTryTimes: o.maxTryTimes as number,
    });
    const current = r.scored("current", space);
    if (!current) throw badState(NAME, `"current" must be {tokens, reward}`);
    return new PaddleSlimSa(
      space,
      created.settings,
      r.rng(),
      current,
      r.scored("best", space),
      r.int("iterations"),
    );
  }

  /** Temperature used for the reward that makes `iterations` rewards received. */
  temperatureAt(iterations: number): number {
    return this.settings.initTemperature * Math.pow(this.settings.reduceRate, iterations);
  }

  /** Current accepted tokens and reward (reward -1 before the first update). */
  get state(): { current: Scored; best: Scored | null; iterations: number } {
    return { current: this.current, best: this.bestSoFar, iterations: this.iterations };
  }

  ask(view: StudyView): AskResult {
    const range = this.space.rangeTable;
    const base = this.current.tokens;
    for (let i = 0; i < this.settings.maxTryTimes; i++) {
      const t = [...base];
      const index = this.rng.int(range.length);
      t[index] = this.rng.int(range[index] as number);
      if (isNewAndFeasible(view, t)) return { kind: "propose", tokens: t };
    }
    return {
      kind: "exhausted",
      reason: `sa-paddleslim: ${this.settings.maxTryTimes} one-token changes of the current tokens were all handed out before or infeasible (PaddleSlim would call sys.exit() here)`,
    };
  }

  tell(_view: StudyView, result: TrialResult): void {
    const r = result.reward;
    if (r === null || !Number.isFinite(r)) return;
    this.iterations++;
    const temperature = this.temperatureAt(this.iterations);
    const delta = r - this.current.reward;
    let accept: boolean;
    if (delta > 0) accept = true;
    else if (temperature > 0) accept = this.rng.next() <= Math.exp(delta / temperature);
    else accept = delta === 0;
    if (accept) this.current = { tokens: [...result.tokens], reward: r };
    if (this.bestSoFar === null ? r > -1 : r > this.bestSoFar.reward) {
      this.bestSoFar = { tokens: [...result.tokens], reward: r };
    }
  }

  toJSON(): unknown {
    const s = this.settings;
    const options = {
      seed: s.seed,
      initTokens: s.initTokens,
      initTemperature: s.initTemperature,
      reduceRate: s.reduceRate,
      maxTryTimes: s.maxTryTimes,
    };
    return writeSnapshot(NAME, VERSION, this.space, options, this.rng, {
      current: this.current,
      best: this.bestSoFar,
      iterations: this.iterations,
    });
  }
}
