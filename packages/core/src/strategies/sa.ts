/**
 * `sa`, segnas's default search: simulated annealing over one-token moves, made sample-efficient
 * (docs/strategies.md has the measurements behind every choice):
 *
 * 1. Start from the best of `initSamples` uniform random architectures (they also give the
 *    surrogate spread-out data to learn from).
 * 2. Walk: the candidates are the one-token changes of the current point that were never handed
 *    out (the seen-set is the tabu list: nothing is evaluated twice). They are tried in the order
 *    of a Gaussian-process surrogate's predicted reward (token-gp.ts), best first, without
 *    replacement; ties are broken at random.
 * 3. Accept: a reward above the current one always moves the walk there (whatever the phase, so a
 *    late result from an asynchronous worker is never wasted). A worse neighbour is accepted with
 *    the Metropolis probability exp((r - current) / T), where T = temperature * cooling^n *
 *    spread: `spread` is the inter-quartile range of recent rewards, so the rule does not depend
 *    on the reward's unit (mIoU in [0, 1], accuracy in percent, ...).
 * 4. Restart: after `patience` neighbours in a row failed to improve (default: half the
 *    neighbourhood), or when the neighbourhood is used up, draw `restartSamples` random
 *    architectures and continue from the best of them (the walk's old point stays the thing to
 *    beat until the batch is in, so a late improvement near it still wins).
 *
 * Asynchronous use: while a sample batch is out, further asks draw more samples (they join the
 * batch); while walking, further asks hand out the next-best untried neighbours. Failed trials
 * (reward null) count as non-improving neighbours and as batch members, never as iterations.
 * The surrogate is rebuilt from `view.results()` (nearest `modelPoints` results to the current
 * point), so the snapshot holds only the walk's state and the Rng.
 */
import { Rng } from "../rng";
import { tokensKey, type SearchSpace, type Tokens } from "../search-space";
import { hamming, neighbourhoodSize, oneTokenChanges, sameTokens, sampleNewFeasible } from "./candidates";
import { intOption, numberOption, seedOption } from "./options";
import { badState, isRecord, openSnapshot, SnapshotReader, writeSnapshot, type Scored } from "./state-json";
import type { AskResult, RewardedTrial, Strategy, StudyView, TrialResult } from "./strategy";
import { DEFAULT_GP, TokenGp } from "./token-gp";

export interface SaOptions {
  readonly seed: number;
  /** Random architectures before the first walk. Default 20. */
  readonly initSamples?: number;
  /** Random architectures drawn at each restart. Default 10. */
  readonly restartSamples?: number;
  /** Non-improving neighbours in a row before a restart. Default: half the neighbourhood. */
  readonly patience?: number;
  /** Initial temperature as a fraction of the rewards' inter-quartile range. Default 0.03. */
  readonly temperature?: number;
  /** Temperature factor per reward received. Default 0.97. */
  readonly cooling?: number;
  /** Results the surrogate is fitted on (the nearest to the current point). Default 200. */
  readonly modelPoints?: number;
  /** Random samples per ask before a full scan (small spaces) or giving up. Default 1000. */
  readonly maxTries?: number;
}

const NAME = "sa";
const VERSION = 1;
/** Rewards the temperature's spread is measured on (the most recent ones). */
const SPREAD_WINDOW = 256;

interface Settings {
  readonly seed: number;
  readonly initSamples: number;
  readonly restartSamples: number;
  readonly patience: number;
  readonly temperature: number;
  readonly cooling: number;
  readonly modelPoints: number;
  readonly maxTries: number;
}

/** A sample batch in progress (the start, or a restart). */
interface Batch {
  /** Results needed before walking from the best of them. */
  need: number;
  /** Members told so far (failed ones included). */
  told: number;
  /** Everything handed out for this batch. */
  members: number[][];
  best: Scored | null;
}

export class SurrogateSa implements Strategy {
  readonly name = NAME;
  /** Fitted surrogate, rebuilt when the results or the current point change (never serialised). */
  private model: { key: string; gp: TokenGp | null } | null = null;

  private constructor(
    private readonly space: SearchSpace,
    private readonly settings: Settings,
    private readonly rng: Rng,
    private iterations: number,
    private current: Scored | null,
    private fails: number,
    private batch: Batch | null,
    private bestSoFar: Scored | null,
  ) {}

  private static settingsOf(space: SearchSpace, options: SaOptions): Settings {
    const half = Math.max(1, Math.ceil(neighbourhoodSize(space.rangeTable) / 2));
    return {
      seed: seedOption(NAME, options.seed),
      initSamples: intOption(NAME, "initSamples", options.initSamples, 20, 1),
      restartSamples: intOption(NAME, "restartSamples", options.restartSamples, 10, 1),
      patience: intOption(NAME, "patience", options.patience, half, 1),
      temperature: numberOption(
        NAME,
        "temperature",
        options.temperature,
        0.03,
        (x) => x >= 0,
        "use a number >= 0",
      ),
      cooling: numberOption(
        NAME,
        "cooling",
        options.cooling,
        0.97,
        (x) => x > 0 && x <= 1,
        "use a number in (0, 1]",
      ),
      modelPoints: intOption(NAME, "modelPoints", options.modelPoints, 200, 2),
      maxTries: intOption(NAME, "maxTries", options.maxTries, 1000, 1),
    };
  }

  static create(space: SearchSpace, options: SaOptions): SurrogateSa {
    const s = SurrogateSa.settingsOf(space, options);
    const batch: Batch = { need: s.initSamples, told: 0, members: [], best: null };
    return new SurrogateSa(space, s, Rng.fromSeed(s.seed), 0, null, 0, batch, null);
  }

  static restore(space: SearchSpace, json: unknown): SurrogateSa {
    const r = openSnapshot(json, NAME, VERSION, space);
    const s = SurrogateSa.settingsOf(space, r.record("options") as unknown as SaOptions);
    let batch: Batch | null = null;
    const b = r.raw("batch");
    if (b !== null && b !== undefined) {
      if (!isRecord(b) || !Array.isArray(b.members))
        throw badState(NAME, `"batch" must be an object or null`);
      const br = new SnapshotReader(NAME, b);
      batch = {
        need: br.int("need"),
        told: br.int("told"),
        members: br.array("members").map((m, i) => br.tokens(`batch.members[${i}]`, space, m)),
        best: br.scored("best", space),
      };
    }
    return new SurrogateSa(
      space,
      s,
      r.rng(),
      r.int("iterations"),
      r.scored("current", space),
      r.int("fails"),
      batch,
      r.scored("best", space),
    );
  }

  /** Where the walk is, and how it got there (for tests and status pages). */
  get state(): {
    current: Scored | null;
    best: Scored | null;
    phase: "sample" | "walk";
    fails: number;
    iterations: number;
  } {
    return {
      current: this.current,
      best: this.bestSoFar,
      phase: this.batch ? "sample" : "walk",
      fails: this.fails,
      iterations: this.iterations,
    };
  }

  ask(view: StudyView): AskResult {
    if (!this.batch && this.current && this.fails >= this.settings.patience) this.startBatch();
    if (!this.batch && this.current) {
      const t = this.bestNeighbour(view, this.current.tokens);
      if (t) return { kind: "propose", tokens: t };
      this.startBatch(); // the neighbourhood is used up: restart
    }
    const batch = this.batch as Batch;
    const sample = sampleNewFeasible(view, this.rng, this.settings.maxTries);
    if (sample) {
      batch.members.push(sample);
      return { kind: "propose", tokens: sample };
    }
    // Random sampling found nothing (a tight constraint in a huge space): stay near known points.
    for (const centre of [this.current, this.bestSoFar]) {
      const t = centre ? this.bestNeighbour(view, centre.tokens) : null;
      if (t) return { kind: "propose", tokens: t };
    }
    return {
      kind: "exhausted",
      reason: `sa: ${this.settings.maxTries} random samples found no new feasible architecture, and no one-token change of the current or best one is new and feasible`,
    };
  }

  tell(view: StudyView, result: TrialResult): void {
    const r = result.reward !== null && Number.isFinite(result.reward) ? result.reward : null;
    if (r !== null) {
      this.iterations++;
      if (!this.bestSoFar || r > this.bestSoFar.reward)
        this.bestSoFar = { tokens: [...result.tokens], reward: r };
    }
    const batch = this.batch;
    if (batch && batch.members.some((m) => sameTokens(m, result.tokens))) {
      batch.told++;
      if (r !== null && (!batch.best || r > batch.best.reward))
        batch.best = { tokens: [...result.tokens], reward: r };
      // A better result than the walk's point ends a restart batch at once (below, via moveTo).
      if (!(r !== null && this.current && r > this.current.reward)) {
        if (batch.told >= batch.need && batch.best) this.moveTo(batch.best);
        return;
      }
    }
    if (r === null) {
      if (!batch && this.current && hamming(result.tokens, this.current.tokens) === 1) this.fails++;
      return;
    }
    if (!this.current) {
      // Still sampling the start (e.g. an imported result): it competes for the start point.
      if (batch && (!batch.best || r > batch.best.reward))
        batch.best = { tokens: [...result.tokens], reward: r };
      return;
    }
    if (r > this.current.reward) {
      this.moveTo({ tokens: [...result.tokens], reward: r });
      return;
    }
    if (batch || hamming(result.tokens, this.current.tokens) !== 1) return; // stale: not a neighbour
    this.fails++;
    const t = this.temperatureNow(view);
    const delta = r - this.current.reward;
    const accept = t > 0 ? this.rng.next() < Math.exp(delta / t) : delta === 0;
    if (accept) this.moveTo({ tokens: [...result.tokens], reward: r });
  }

  toJSON(): unknown {
    return writeSnapshot(NAME, VERSION, this.space, { ...this.settings }, this.rng, {
      iterations: this.iterations,
      current: this.current,
      fails: this.fails,
      batch: this.batch,
      best: this.bestSoFar,
    });
  }

  private moveTo(point: Scored): void {
    this.current = point;
    this.fails = 0;
    this.batch = null;
  }

  private startBatch(): void {
    this.batch = { need: this.settings.restartSamples, told: 0, members: [], best: null };
  }

  /** T in reward units: temperature * cooling^iterations * inter-quartile range of recent rewards. */
  private temperatureNow(view: StudyView): number {
    const base = this.settings.temperature * Math.pow(this.settings.cooling, this.iterations);
    if (!(base > 0)) return 0;
    const results = view.results();
    const recent = results.slice(Math.max(0, results.length - SPREAD_WINDOW)).map((x) => x.reward);
    if (recent.length < 2) return 0;
    recent.sort((a, b) => a - b);
    const at = (q: number): number => recent[Math.round(q * (recent.length - 1))] as number;
    const spread = at(0.75) - at(0.25) || at(1) - at(0);
    return base * spread;
  }

  /** The untried feasible one-token change of `centre` the surrogate rates highest. */
  private bestNeighbour(view: StudyView, centre: Tokens): number[] | null {
    const candidates = oneTokenChanges(centre, this.space.rangeTable).filter((t) => !view.wasProposed(t));
    if (candidates.length === 0) return null;
    this.rng.shuffle(candidates); // random tie-break
    const gp = this.surrogate(view, centre);
    const scored = candidates.map((tokens) => ({ tokens, score: gp ? gp.mean(tokens) : 0 }));
    scored.sort((a, b) => b.score - a.score);
    for (const c of scored) if (view.isFeasible(c.tokens)) return c.tokens;
    return null;
  }

  private surrogate(view: StudyView, centre: Tokens): TokenGp | null {
    const results = view.results();
    const key = `${results.length}|${tokensKey(centre)}`;
    if (this.model?.key === key) return this.model.gp;
    const data = nearest(results, centre, this.settings.modelPoints);
    const gp =
      data.length >= 2
        ? TokenGp.fit(
            data.map((d) => d.tokens),
            data.map((d) => d.reward),
            DEFAULT_GP,
          )
        : null;
    this.model = { key, gp };
    return gp;
  }
}

/** The `limit` results closest to `centre` (Hamming), the most recent first among equals. O(n). */
function nearest(results: readonly RewardedTrial[], centre: Tokens, limit: number): RewardedTrial[] {
  if (results.length <= limit) return [...results];
  const buckets: RewardedTrial[][] = Array.from({ length: centre.length + 1 }, () => []);
  for (let i = results.length - 1; i >= 0; i--) {
    const r = results[i] as RewardedTrial;
    (buckets[hamming(r.tokens, centre)] as RewardedTrial[]).push(r);
  }
  const out: RewardedTrial[] = [];
  for (const b of buckets) {
    for (const r of b) {
      if (out.length === limit) return out;
      out.push(r);
    }
  }
  return out;
}
