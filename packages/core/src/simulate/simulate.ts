/**
 * A pure, in-memory study for simulations: a strategy searches against a reward function
 * (e.g. a benchmark table) for a fixed budget of evaluations. With `workers` > 1 it mimics an
 * asynchronous cluster: up to `workers` trials are out at once and they finish in a random
 * (seeded) order, so strategies are exercised the way the server drives them.
 */
import { Rng } from "../rng";
import type { SearchSpace, Tokens } from "../search-space";
import type { RewardedTrial, Strategy, StudyView } from "../strategies/strategy";
import { trialKey } from "../study/state";

/** The study window the simulator gives a strategy (also handy in tests). */
export class MemoryStudyView implements StudyView {
  private readonly proposed = new Set<string>();
  private readonly rewarded: RewardedTrial[] = [];
  completedCount = 0;
  pendingCount = 0;

  constructor(
    readonly space: SearchSpace,
    private readonly feasible: (tokens: Tokens) => boolean = () => true,
  ) {}

  wasProposed(tokens: Tokens): boolean {
    return this.proposed.has(trialKey(tokens));
  }

  isFeasible(tokens: Tokens): boolean {
    return this.feasible(tokens);
  }

  results(): readonly RewardedTrial[] {
    return this.rewarded;
  }

  /** Records a proposal (throws if it was handed out before: a strategy bug). */
  markProposed(tokens: Tokens): void {
    const key = trialKey(tokens);
    if (this.proposed.has(key)) throw new Error(`tokens [${tokens.join(",")}] were proposed twice`);
    this.proposed.add(key);
    this.pendingCount++;
  }

  /** Records a finished trial (reward null = failed) before the strategy is told. */
  markFinished(tokens: Tokens, reward: number | null): void {
    this.pendingCount--;
    if (reward !== null) {
      this.completedCount++;
      this.rewarded.push({ tokens: [...tokens], reward });
    }
  }
}

export interface SimulateOptions {
  readonly space: SearchSpace;
  readonly strategy: Strategy;
  /** Reward of an architecture; null, NaN or a throw count as a failed trial. */
  readonly reward: (tokens: Tokens) => number | null;
  /** Evaluations (finished trials, failed ones included). */
  readonly budget: number;
  /** Feasibility (e.g. max FLOPs); default: everything is feasible. */
  readonly constraint?: (tokens: Tokens) => boolean;
  /** Trials out at once (default 1: strictly sequential ask/tell). */
  readonly workers?: number;
  /** Seed of the completion order when workers > 1 (default 0). */
  readonly orderSeed?: number;
}

export interface SimulationResult {
  /** Best reward after each finished trial (null until the first reward). */
  readonly trajectory: readonly (number | null)[];
  readonly best: RewardedTrial | null;
  /** Every finished trial, in finishing order. */
  readonly trials: readonly { readonly tokens: number[]; readonly reward: number | null }[];
  /** Set when the strategy ran out of candidates before the budget was spent. */
  readonly exhausted?: string;
}

/** Runs one search to its budget (or until the strategy is exhausted). */
export function simulate(options: SimulateOptions): SimulationResult {
  const { strategy, budget } = options;
  const space: SearchSpace = options.space;
  const workers = Math.max(1, Math.floor(options.workers ?? 1));
  if (!(Number.isInteger(budget) && budget >= 0))
    throw new RangeError(`budget must be an integer >= 0, got ${budget}`);
  const view = new MemoryStudyView(space, options.constraint);
  const order = Rng.fromSeed(options.orderSeed ?? 0);
  const pending: number[][] = [];
  const trials: { tokens: number[]; reward: number | null }[] = [];
  const trajectory: (number | null)[] = [];
  let best: RewardedTrial | null = null;
  let issued = 0;
  let exhausted: string | undefined;
  while (trials.length < budget) {
    while (exhausted === undefined && pending.length < workers && issued < budget) {
      const asked = strategy.ask(view);
      if (asked.kind === "propose") {
        space.validate(asked.tokens);
        view.markProposed(asked.tokens);
        pending.push([...asked.tokens]);
        issued++;
      } else if (asked.kind === "exhausted") {
        exhausted = asked.reason;
      } else {
        if (pending.length === 0) exhausted = `strategy ${strategy.name} waits with nothing running`;
        break;
      }
    }
    if (pending.length === 0) break;
    const tokens = pending.splice(workers === 1 ? 0 : order.int(pending.length), 1)[0] as number[];
    let reward: number | null;
    try {
      reward = options.reward(tokens);
    } catch {
      reward = null;
    }
    if (reward !== null && !Number.isFinite(reward)) reward = null;
    view.markFinished(tokens, reward);
    strategy.tell(view, { tokens, reward });
    trials.push({ tokens, reward });
    if (reward !== null && (best === null || reward > best.reward)) best = { tokens, reward };
    trajectory.push(best ? best.reward : null);
  }
  return { trajectory, best, trials, ...(exhausted !== undefined ? { exhausted } : {}) };
}
