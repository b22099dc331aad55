/**
 * A compact form of the trial list for the static report (the size budget is 2 MB for 2,000
 * trials): one key list, one array per trial, nulls as 0-length holes, and a curve whose epochs
 * are 1..n stored as its mIoU values alone (4 decimals). `unpackTrials(packTrials(x))` equals x
 * up to that rounding.
 */
import type { DashTrial } from "./model";

const KEYS = [
  "id",
  "status",
  "reward",
  "tokens",
  "blocks",
  "params",
  "flops",
  "latencyMs",
  "worker",
  "backend",
  "device",
  "host",
  "attempts",
  "startedAt",
  "finishedAt",
  "durationMs",
  "curve",
  "failure",
  "model",
  "trialDir",
  "imported",
  "rev",
] as const;

export interface PackedTrials {
  readonly keys: readonly string[];
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export function packTrials(trials: readonly DashTrial[]): PackedTrials {
  return {
    keys: KEYS,
    rows: trials.map((t) =>
      KEYS.map((k) => {
        if (k === "curve") {
          const c = t.curve;
          const consecutive = c.every((p, i) => p[0] === i + 1);
          return consecutive ? c.map((p) => r4(p[1])) : { e: c.map((p) => p[0]), m: c.map((p) => r4(p[1])) };
        }
        if (k === "reward" && t.reward !== null) return Math.round(t.reward * 1e6) / 1e6;
        return t[k];
      }),
    ),
  };
}

export function unpackTrials(p: PackedTrials): DashTrial[] {
  // Positions resolved once, not per trial (10,000 trials unpack on the page's first paint).
  const pos = KEYS.map((k) => p.keys.indexOf(k));
  const at = (row: readonly unknown[], i: number): unknown => {
    const j = pos[i] as number;
    return j < 0 ? null : (row[j] ?? null);
  };
  const out: DashTrial[] = new Array(p.rows.length);
  for (let r = 0; r < p.rows.length; r++) {
    const row = p.rows[r] as readonly unknown[];
    const o: Record<string, unknown> = {};
    for (let i = 0; i < KEYS.length; i++) o[KEYS[i] as string] = at(row, i);
    const c = o["curve"] as number[] | { e: number[]; m: number[] } | null;
    if (Array.isArray(c)) {
      const pairs: Array<[number, number]> = new Array(c.length);
      for (let i = 0; i < c.length; i++) pairs[i] = [i + 1, c[i] as number];
      o["curve"] = pairs;
    } else o["curve"] = c ? c.e.map((e, i) => [e, c.m[i] as number]) : [];
    o["tokens"] ??= [];
    o["attempts"] ??= 0;
    o["rev"] ??= 0;
    out[r] = o as unknown as DashTrial;
  }
  return out;
}
