/**
 * Test-only helpers for strategy tests (not exported from the package index): synthetic reward
 * landscapes and a driver that can swap a strategy for its restored snapshot mid-search.
 */
import { Rng } from "../rng";
import type { SearchSpace, Tokens } from "../search-space";
import { MemoryStudyView } from "../simulate/simulate";
import { restoreStrategy } from "../strategies/factory";
import type { Strategy } from "../strategies/strategy";

/**
 * A rugged but learnable landscape: additive per-position values plus pairwise interactions
 * between neighbouring positions, all drawn from `seed`.
 */
export function syntheticReward(space: SearchSpace, seed: number): (tokens: Tokens) => number {
  const rng = Rng.fromSeed(seed);
  const unary = space.rangeTable.map((n) => Array.from({ length: n }, () => rng.next()));
  const pair = space.rangeTable.map((n, i) => {
    const m = space.rangeTable[(i + 1) % space.rangeTable.length] as number;
    return Array.from({ length: n * m }, () => rng.next() - 0.5);
  });
  return (t) => {
    let s = 0;
    for (let i = 0; i < t.length; i++) {
      const j = (i + 1) % t.length;
      const m = space.rangeTable[j] as number;
      s += (unary[i] as number[])[t[i] as number] as number;
      s += (pair[i] as number[])[(t[i] as number) * m + (t[j] as number)] as number;
    }
    return s / t.length;
  };
}

export interface DriveOptions {
  readonly reward: (tokens: Tokens) => number | null;
  readonly steps: number;
  /** Trials out at once; finishing order drawn from `orderSeed`. */
  readonly workers?: number;
  readonly orderSeed?: number;
  readonly constraint?: (tokens: Tokens) => boolean;
  /** Replace the strategy by restoreStrategy(JSON round trip of its snapshot) after this many tells. */
  readonly restoreAfter?: number;
}

export interface DriveLog {
  /** "ask:tokens" / "tell:tokens" / "exhausted" lines, in order. */
  readonly log: string[];
  readonly proposals: number[][];
  readonly exhausted?: string;
}

/** Drives a strategy like the study does (ask until `workers` are out, then finish one). */
export function drive(space: SearchSpace, start: Strategy, o: DriveOptions): DriveLog {
  let strategy = start;
  const view = new MemoryStudyView(space, o.constraint);
  const order = Rng.fromSeed(o.orderSeed ?? 1);
  const workers = o.workers ?? 1;
  const pending: number[][] = [];
  const log: string[] = [];
  const proposals: number[][] = [];
  let told = 0;
  let exhausted: string | undefined;
  while (told < o.steps) {
    while (exhausted === undefined && pending.length < workers && proposals.length < o.steps) {
      const a = strategy.ask(view);
      if (a.kind !== "propose") {
        exhausted = a.kind === "exhausted" ? a.reason : "wait";
        log.push(`exhausted`);
        break;
      }
      if (view.wasProposed(a.tokens)) throw new Error(`duplicate proposal ${a.tokens.join(",")}`);
      if (o.constraint && !o.constraint(a.tokens))
        throw new Error(`infeasible proposal ${a.tokens.join(",")}`);
      space.validate(a.tokens);
      view.markProposed(a.tokens);
      pending.push(a.tokens);
      proposals.push(a.tokens);
      log.push(`ask:${a.tokens.join(",")}`);
    }
    if (pending.length === 0) break;
    const tokens = pending.splice(order.int(pending.length), 1)[0] as number[];
    const reward = o.reward(tokens);
    view.markFinished(tokens, reward);
    strategy.tell(view, { tokens, reward });
    told++;
    log.push(`tell:${tokens.join(",")}`);
    if (o.restoreAfter === told) {
      strategy = restoreStrategy(space, JSON.parse(JSON.stringify(strategy.toJSON())));
    }
  }
  return { log, proposals, ...(exhausted !== undefined ? { exhausted } : {}) };
}
