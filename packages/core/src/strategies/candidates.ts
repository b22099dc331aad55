/**
 * Candidate generation shared by the strategies: uniform samples and one-token changes that are
 * new (never handed out) and feasible, always within a bounded amount of work.
 */
import type { Rng } from "../rng";
import type { Tokens } from "../search-space";
import type { StudyView } from "./strategy";

/**
 * Spaces up to this size are enumerated when random sampling keeps hitting seen or infeasible
 * tokens, so "exhausted" is exact there (NAS-Bench-201 has 15,625 cells).
 */
export const ENUMERATE_LIMIT = 100_000;

/** Number of positions where two token vectors differ. */
export function hamming(a: Tokens, b: Tokens): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) h++;
  return h;
}

export function sameTokens(a: Tokens, b: Tokens): boolean {
  return a.length === b.length && hamming(a, b) === 0;
}

/** All vectors that differ from `tokens` in exactly one position, position-major order. */
export function oneTokenChanges(tokens: Tokens, rangeTable: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rangeTable.length; i++) {
    const n = rangeTable[i] as number;
    for (let v = 0; v < n; v++) {
      if (v === tokens[i]) continue;
      const t = [...tokens];
      t[i] = v;
      out.push(t);
    }
  }
  return out;
}

/** Size of the one-token neighbourhood. */
export function neighbourhoodSize(rangeTable: readonly number[]): number {
  return rangeTable.reduce((a, n) => a + Math.max(0, n - 1), 0);
}

/** Changes one position (among those with a choice) to a different uniform value. */
export function mutateOneToken(tokens: Tokens, rangeTable: readonly number[], rng: Rng): number[] {
  const free: number[] = [];
  rangeTable.forEach((n, i) => {
    if (n > 1) free.push(i);
  });
  const t = [...tokens];
  if (free.length === 0) return t;
  const i = rng.pick(free);
  const n = rangeTable[i] as number;
  const v = rng.int(n - 1);
  t[i] = v >= (tokens[i] as number) ? v + 1 : v;
  return t;
}

export function isNewAndFeasible(view: StudyView, tokens: Tokens): boolean {
  return !view.wasProposed(tokens) && view.isFeasible(tokens);
}

/**
 * A uniform random token vector that was never proposed and is feasible: `maxTries` rejection
 * samples, then (for spaces up to ENUMERATE_LIMIT) a full scan from a random starting point.
 * Null when none was found.
 */
export function sampleNewFeasible(view: StudyView, rng: Rng, maxTries: number): number[] | null {
  const rangeTable = view.space.rangeTable;
  for (let i = 0; i < maxTries; i++) {
    const t = rangeTable.map((n) => rng.int(n));
    if (isNewAndFeasible(view, t)) return t;
  }
  const size = rangeTable.reduce((a, n) => a * n, 1);
  if (size > ENUMERATE_LIMIT) return null;
  const start = rng.int(size);
  for (let k = 0; k < size; k++) {
    let x = (start + k) % size;
    const t = new Array<number>(rangeTable.length);
    for (let i = rangeTable.length - 1; i >= 0; i--) {
      const n = rangeTable[i] as number;
      t[i] = x % n;
      x = Math.floor(x / n);
    }
    if (isNewAndFeasible(view, t)) return t;
  }
  return null;
}
