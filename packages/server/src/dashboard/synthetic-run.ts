/**
 * A synthetic run directory (journal.jsonl + trials.jsonl) of `n` trials over MobileNetV2SpaceSeg
 * with curves, workers, failures and re-issued leases: what the report's tests and the
 * dashboard benchmark (10,000 trials) load. Deterministic (seeded), no training, no server.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { getSpace, type StudyEvent } from "@segnas/core";

export interface SyntheticRunOptions {
  readonly trials: number;
  readonly workers?: number;
  readonly epochs?: number;
  readonly seed?: number;
  /** Leave the last few trials running (a live-looking run). */
  readonly running?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function writeSyntheticRun(dir: string, opts: SyntheticRunOptions): void {
  const space = getSpace("MobileNetV2SpaceSeg");
  const rnd = mulberry32(opts.seed ?? 1);
  const workers = opts.workers ?? 8;
  const epochs = opts.epochs ?? 10;
  const running = opts.running ?? 0;
  const t0 = Date.UTC(2026, 0, 1);
  const events: StudyEvent[] = [];
  events.push({
    type: "study-created",
    v: 1,
    studyId: "MobileNetV2SpaceSeg/sa/synthetic",
    settings: {
      space: space.name,
      strategy: "sa",
      seed: 1,
      searchSteps: opts.trials,
      maxFailures: opts.trials,
    },
    strategyState: null,
    at: t0,
  });
  const seen = new Set<string>();
  const free = Array.from({ length: workers }, () => t0);
  for (let id = 1; id <= opts.trials; id++) {
    let tokens: number[];
    do tokens = space.rangeTable.map((r) => Math.floor(rnd() * r));
    while (seen.has(tokens.join(",")));
    seen.add(tokens.join(","));
    const size = tokens.reduce((a, t, i) => a + t * ((i % 4) + 1), 0);
    const cost = {
      params: Math.round(150_000 + size * 9_000 + rnd() * 50_000),
      flops: Math.round(4e6 + size * 2.5e5 + rnd() * 1e6),
    };
    const w = id % workers;
    const worker = `host${Math.floor(w / 4)}:${1000 + w}`;
    const start = (free[w] as number) + Math.floor(rnd() * 5000);
    events.push({ type: "trial-proposed", trialId: id, tokens, cost, strategyState: null, at: start - 10 });
    events.push({ type: "trial-leased", trialId: id, worker, attempt: 1, at: start });
    const quality = Math.min(0.95, 0.25 + 0.5 * Math.tanh(size / 60) + 0.1 * (rnd() - 0.5));
    const duration = 60_000 + Math.floor(rnd() * 60_000);
    const end = start + duration;
    free[w] = end;
    if (id > opts.trials - running) continue;
    const r = rnd();
    if (r < 0.02) {
      // Lost lease: handed to the next worker.
      const w2 = (w + 1) % workers;
      const worker2 = `host${Math.floor(w2 / 4)}:${1000 + w2}`;
      events.push({ type: "trial-requeued", trialId: id, reason: "lease-expired", worker, at: end });
      const s2 = Math.max(end, free[w2] as number);
      events.push({ type: "trial-leased", trialId: id, worker: worker2, attempt: 2, at: s2 });
      free[w2] = s2 + duration;
      events.push({
        type: "trial-completed",
        trialId: id,
        worker: worker2,
        reward: quality,
        curve: curveOf(quality, epochs, rnd),
        run: { backend: "wasm", device: "cpu", host: worker2.split(":")[0] as string },
        startedAt: s2,
        durationMs: duration,
        strategyState: null,
        at: s2 + duration,
      });
    } else if (r < 0.07) {
      events.push({
        type: "trial-failed",
        trialId: id,
        worker,
        reason: "out of memory while training",
        code: "SEGNAS_E_TRAINING",
        run: { backend: "webgpu", device: "gpu0" },
        durationMs: duration / 3,
        strategyState: null,
        at: start + duration / 3,
      });
    } else {
      events.push({
        type: "trial-completed",
        trialId: id,
        worker,
        reward: quality,
        curve: curveOf(quality, epochs, rnd),
        run: {
          backend: w % 2 ? "webgpu" : "wasm",
          device: w % 2 ? "gpu0" : "cpu",
          host: worker.split(":")[0] as string,
        },
        startedAt: start,
        durationMs: duration,
        strategyState: null,
        at: end,
      });
    }
  }
  if (running === 0)
    events.push({
      type: "search-ended",
      reason: `all ${opts.trials} search steps have a reward`,
      at: Math.max(...free),
    });
  fs.mkdirSync(dir, { recursive: true });
  const lines = [JSON.stringify({ seq: 0, header: { format: "segnas-journal", synthetic: true } })];
  events.forEach((e, i) => lines.push(JSON.stringify({ seq: i + 1, event: e })));
  fs.writeFileSync(path.join(dir, "journal.jsonl"), lines.join("\n") + "\n");
}

function curveOf(final: number, epochs: number, rnd: () => number): Array<{ epoch: number; miou: number }> {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    miou: Number((final * (1 - Math.exp(-(3 * (i + 1)) / epochs)) * (0.97 + 0.03 * rnd())).toFixed(4)),
  }));
}
