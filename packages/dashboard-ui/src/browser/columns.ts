/** The trials table's columns: how each is shown, sorted and filtered. */
import type { DashTrial } from "../model";
import { fmtDuration, fmtNum, fmtSi, fmtTime } from "./format";

export interface Column {
  readonly key: string;
  readonly label: string;
  readonly width: number;
  readonly numeric: boolean;
  readonly value: (t: DashTrial) => number | string | null;
  readonly text: (t: DashTrial) => string;
  readonly hidden?: boolean;
}

const num = (
  key: string,
  label: string,
  width: number,
  value: (t: DashTrial) => number | null,
  text: (v: number | null) => string = (v) => fmtNum(v),
  hidden = false,
): Column => ({ key, label, width, numeric: true, value, text: (t) => text(value(t)), hidden });

const str = (
  key: string,
  label: string,
  width: number,
  value: (t: DashTrial) => string | null,
  hidden = false,
): Column => ({ key, label, width, numeric: false, value, text: (t) => value(t) ?? "", hidden });

export const COLUMNS: readonly Column[] = [
  num("id", "trial", 56, (t) => t.id),
  str("status", "status", 84, (t) => t.status),
  num("reward", "reward", 76, (t) => t.reward),
  str("tokens", "tokens", 210, (t) => t.tokens.join(" ")),
  str("blocks", "decoded blocks", 300, (t) => t.blocks),
  num("params", "params", 72, (t) => t.params, fmtSi),
  num("flops", "FLOPs", 72, (t) => t.flops, fmtSi),
  num(
    "latencyMs",
    "latency ms",
    76,
    (t) => t.latencyMs,
    (v) => fmtNum(v, 2),
    true,
  ),
  str("worker", "worker", 110, (t) => t.worker),
  str("backend", "backend", 70, (t) => t.backend),
  str("device", "device", 90, (t) => t.device, true),
  num("durationMs", "duration", 72, (t) => t.durationMs, fmtDuration),
  num("epochs", "epochs", 56, (t) =>
    t.curve.length > 0 ? ((t.curve[t.curve.length - 1] as readonly number[])[0] as number) : null,
  ),
  num("attempts", "attempts", 64, (t) => t.attempts, fmtNum, true),
  num("startedAt", "started", 150, (t) => t.startedAt, fmtTime, true),
  str("failure", "failure", 200, (t) => t.failure, true),
];

/**
 * A filter from what the user typed: for numeric columns `>0.5`, `<=1e9`, `=3`, `10..20` or a
 * plain number (equality); for text a case-insensitive substring (`!x` excludes).
 */
export function makeFilter(col: Column, query: string): ((t: DashTrial) => boolean) | null {
  const q = query.trim();
  if (q === "") return null;
  if (col.numeric) {
    const range = /^(-?[\d.e+-]*)\s*\.\.\s*(-?[\d.e+-]*)$/i.exec(q);
    if (range) {
      const lo = range[1] ? Number(range[1]) : -Infinity;
      const hi = range[2] ? Number(range[2]) : Infinity;
      return (t) => {
        const v = col.value(t) as number | null;
        return v !== null && v >= lo && v <= hi;
      };
    }
    const cmp = /^(>=|<=|>|<|=|!=)?\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*([kmg]?)$/i.exec(q);
    if (cmp) {
      const mult = { "": 1, k: 1e3, m: 1e6, g: 1e9 }[(cmp[3] ?? "").toLowerCase()] ?? 1;
      const x = Number(cmp[2]) * mult;
      const op = cmp[1] ?? "=";
      return (t) => {
        const v = col.value(t) as number | null;
        if (v === null) return false;
        switch (op) {
          case ">":
            return v > x;
          case ">=":
            return v >= x;
          case "<":
            return v < x;
          case "<=":
            return v <= x;
          case "!=":
            return v !== x;
          default:
            return Math.abs(v - x) <= Math.abs(x) * 1e-9;
        }
      };
    }
  }
  const neg = q.startsWith("!");
  const needle = (neg ? q.slice(1) : q).toLowerCase();
  return (t) => col.text(t).toLowerCase().includes(needle) !== neg;
}
