/**
 * Study state -> the dashboard's JSON (the contract in @segnas/dashboard-ui): trials, the
 * strategy's state in words and numbers, progress and ETA.
 */
import type { SearchSpace, TrialCost, TrialRecord } from "@segnas/core";
import type { DashStrategy, DashTrial } from "@segnas/dashboard-ui";
import { failureText, formatBlocks } from "../results";

export function dashTrial(
  space: SearchSpace,
  t: TrialRecord,
  cost: TrialCost | undefined,
  rev: number,
): DashTrial {
  const latency = t.metrics?.["latencyMs"];
  return {
    id: t.id,
    status: t.status,
    reward: t.reward ?? null,
    tokens: t.tokens,
    blocks: formatBlocks(space, t.tokens),
    params: cost?.params ?? null,
    flops: cost?.flops ?? null,
    latencyMs: typeof latency === "number" && Number.isFinite(latency) ? latency : null,
    worker: t.worker ?? null,
    backend: t.run?.backend ?? null,
    device: t.run?.device ?? null,
    host: t.run?.host ?? null,
    attempts: t.attempts,
    startedAt: t.startedAt ?? t.leasedAt ?? null,
    finishedAt: t.finishedAt ?? null,
    durationMs: t.durationMs ?? null,
    curve: t.curve.map((p) => [p.epoch, round(p.miou)] as const),
    failure: t.failure ? failureText(t.failure) : null,
    model: t.run?.modelPath ? (t.run.host ? `${t.run.host}:${t.run.modelPath}` : t.run.modelPath) : null,
    trialDir: t.run?.trialDir ?? null,
    imported: t.imported ?? null,
    rev,
  };
}

/** 6 significant digits: what a plot or a table can show, and a third of the bytes. */
export function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}

/** What changes in a trial's row that the page shows (cheap to compare every tick). */
export function fingerprint(t: TrialRecord): string {
  return `${t.status}|${t.reward}|${t.curve.length}|${t.worker}|${t.attempts}|${t.durationMs}|${t.leasedAt}|${t.run?.backend}`;
}

type Scalar = string | number | boolean | null;

/**
 * The strategy's snapshot (its toJSON) in a few scalars: iterations, phase, fails, the current
 * point's reward, and the temperature where the snapshot's settings define one (SA:
 * temperature * cooling^iterations * IQR of the recent rewards; PaddleSlim SA:
 * initTemperature * reduceRate^iterations).
 */
export function strategySummary(
  name: string,
  snapshot: unknown,
  recentRewards: readonly number[],
  acceptanceRate: number | null,
): DashStrategy {
  const state: Record<string, Scalar> = {};
  if (snapshot && typeof snapshot === "object") {
    const s = snapshot as Record<string, unknown>;
    for (const [k, v] of Object.entries(s)) {
      if (["name", "v", "space", "rng", "options"].includes(k)) continue;
      if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") state[k] = v;
      else if (v && typeof v === "object" && typeof (v as { reward?: unknown }).reward === "number")
        state[`${k} reward`] = round((v as { reward: number }).reward);
    }
    if ("batch" in s) state["phase"] = s["batch"] ? "sample" : "walk";
    const o = (s["options"] ?? {}) as Record<string, unknown>;
    const it = typeof s["iterations"] === "number" ? s["iterations"] : null;
    if (it !== null && typeof o["temperature"] === "number" && typeof o["cooling"] === "number") {
      const recent = [...recentRewards].sort((a, b) => a - b);
      const at = (q: number): number => recent[Math.round(q * (recent.length - 1))] as number;
      const spread = recent.length < 2 ? 0 : at(0.75) - at(0.25) || at(1) - at(0);
      state["temperature"] = round(o["temperature"] * Math.pow(o["cooling"], it) * spread);
    } else if (
      it !== null &&
      typeof o["initTemperature"] === "number" &&
      typeof o["reduceRate"] === "number"
    ) {
      state["temperature"] = round(o["initTemperature"] * Math.pow(o["reduceRate"], it));
    }
  }
  return { name, state, acceptanceRate };
}

/** The SA family's current point, to tell whether a result was accepted. */
export function currentTokensOf(snapshot: unknown): string | null {
  const cur = (snapshot as { current?: { tokens?: unknown } } | null)?.current?.tokens;
  return Array.isArray(cur) ? cur.join(",") : null;
}

/** Remaining time from the pace of the last `window` finished trials. */
export function etaOf(
  finishedAt: readonly number[],
  remaining: number,
  now: number,
  window = 20,
): { etaMs: number | null; perHour: number | null } {
  const recent = [...finishedAt].sort((a, b) => a - b).slice(-window);
  if (recent.length < 2) return { etaMs: null, perHour: null };
  const first = recent[0] as number;
  const span = Math.max(now, recent[recent.length - 1] as number) - first;
  if (!(span > 0)) return { etaMs: null, perHour: null };
  const rate = (recent.length - 1) / span;
  return { etaMs: remaining <= 0 ? 0 : remaining / rate, perHour: rate * 3_600_000 };
}
