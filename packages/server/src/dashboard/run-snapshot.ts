/**
 * A finished (or running) run directory as a dashboard snapshot, for `segnas report`: the study
 * is rebuilt from journal.jsonl (read only: no lock, so it works while a server runs), the
 * timeline and acceptance rate come from its events, and params/FLOPs from trials.jsonl when the
 * journal did not record them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  SegnasError,
  getSpace,
  replayEvents,
  type StudyEvent,
  type StudyState,
  type TrialCost,
} from "@segnas/core";
import type { DashSnapshot, DashSpan, DashStudy, DashWorker } from "@segnas/dashboard-ui";
import { currentTokensOf, dashTrial, etaOf, strategySummary } from "./rows";

export function readJournalEvents(runDir: string): StudyEvent[] {
  const file = path.join(runDir, "journal.jsonl");
  if (!fs.existsSync(file)) {
    throw new SegnasError(
      "SEGNAS_E_CONFIG",
      `${runDir} has no journal.jsonl: give the run directory of a search (the --run-dir of segnas server / train)`,
    );
  }
  const events: StudyEvent[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { event?: StudyEvent };
      if (rec.event && typeof rec.event.type === "string") events.push(rec.event);
    } catch {
      // A torn last line (a server killed mid-write): the journal's own replay drops it too.
    }
  }
  return events;
}

function costsFromTable(runDir: string): Map<number, TrialCost> {
  const out = new Map<number, TrialCost>();
  const file = path.join(runDir, "trials.jsonl");
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { trial?: number; params?: number; flops?: number };
      if (typeof r.trial === "number" && typeof r.params === "number" && typeof r.flops === "number")
        out.set(r.trial, { params: r.params, flops: r.flops });
    } catch {
      continue;
    }
  }
  return out;
}

export function loadRunSnapshot(runDir: string, now: number = Date.now()): DashSnapshot {
  const events = readJournalEvents(runDir);
  let state: StudyState;
  try {
    state = replayEvents(events);
  } catch (err) {
    throw new SegnasError(
      "SEGNAS_E_CONFIG",
      `cannot rebuild the study from ${path.join(runDir, "journal.jsonl")}: ${(err as Error).message}`,
    );
  }
  const space = getSpace(state.settings.space);
  const costs = costsFromTable(runDir);
  const trials = state.trials.map((t) => dashTrial(space, t, t.cost ?? costs.get(t.id), 0));

  const spans: DashSpan[] = [];
  const open = new Map<number, DashSpan>();
  const workers = new Map<string, { first: number; last: number }>();
  let accepted = 0;
  let judged = 0;
  let first = Infinity;
  let last = 0;
  const close = (id: number, at: number, outcome: DashSpan["outcome"]): void => {
    const s = open.get(id);
    if (!s) return;
    spans.push({ ...s, end: at, outcome });
    open.delete(id);
  };
  for (const e of events) {
    const at = (e as { at?: number }).at;
    if (typeof at === "number") {
      first = Math.min(first, at);
      last = Math.max(last, at);
    }
    const w = (e as { worker?: string }).worker;
    if (w && typeof at === "number") {
      const k = workers.get(w);
      workers.set(w, { first: Math.min(k?.first ?? at, at), last: Math.max(k?.last ?? at, at) });
    }
    switch (e.type) {
      case "trial-leased":
        close(e.trialId, e.at, "requeued");
        open.set(e.trialId, {
          trialId: e.trialId,
          worker: e.worker,
          start: e.at,
          end: null,
          outcome: "running",
          attempt: e.attempt,
        });
        break;
      case "trial-requeued":
        close(e.trialId, e.at, "requeued");
        break;
      case "trial-completed": {
        close(e.trialId, e.at, "completed");
        const cur = currentTokensOf(e.strategyState);
        const t = state.trials[e.trialId - 1];
        if (cur !== null && t) {
          judged++;
          if (t.tokens.join(",") === cur) accepted++;
        }
        break;
      }
      case "trial-failed":
        close(e.trialId, e.at, "failed");
        break;
      default:
        break;
    }
  }
  spans.push(...open.values());

  const finishedAt = state.trials
    .filter((t) => t.finishedAt !== undefined && !t.imported)
    .map((t) => t.finishedAt as number);
  const end = state.ended ? last : now;
  const remaining = state.settings.searchSteps - (state.completed - state.imported);
  const { etaMs, perHour } = etaOf(finishedAt, remaining, end);
  const recent = state.rewarded.slice(-256).map((id) => state.trials[id - 1]?.reward ?? 0);
  const startedAt = Number.isFinite(first) ? first : state.createdAt;
  const study: DashStudy = {
    studyId: state.studyId,
    space: { name: space.name, tokenNames: space.tokenNames, rangeTable: space.rangeTable },
    strategy: strategySummary(
      state.settings.strategy,
      state.strategyState,
      recent,
      judged > 0 ? accepted / judged : null,
    ),
    budget: state.settings.searchSteps,
    completed: state.completed - state.imported,
    failed: state.failed,
    running: state.leased,
    queued: state.queue.length,
    imported: state.imported,
    best: state.best ? { ...state.best } : null,
    startedAt,
    now: end,
    elapsedMs: end - startedAt,
    etaMs: state.ended ? 0 : etaMs,
    trialsPerHour: perHour,
    finished: state.ended?.reason ?? null,
    epochs: Math.max(0, ...state.trials.map((t) => t.curve.length)),
  };
  const workerRows: DashWorker[] = [...workers.entries()].map(([workerId, k]) => {
    const t = [...state.trials].reverse().find((x) => x.worker === workerId);
    return {
      workerId,
      connected: false,
      backend: t?.run?.backend ?? null,
      device: t?.run?.device ?? null,
      host: t?.run?.host ?? null,
      trialId: null,
      epoch: null,
      metric: null,
      connectedAt: k.first,
      lastSeenAt: k.last,
    };
  });
  return {
    study,
    trials,
    workers: workerRows,
    spans,
    report: { generatedAt: now, runDir: path.resolve(runDir) },
  };
}
