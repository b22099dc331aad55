/**
 * Study state and the one reducer that folds events into it. The same `applyEvent` serves the
 * live server and journal replay, so a resumed study equals the one that was running.
 *
 * For speed (thousands of events per second on the server) the reducer updates the state in
 * place instead of copying it; it is still deterministic and free of I/O and clocks. An event
 * that does not fit the state (a journal from another program, a bug) throws BadStateError.
 */
import { SegnasError } from "../errors";
import type { Tokens } from "../search-space";
import type { CurvePoint, StudyEvent, StudySettings, TrialCost, TrialRunInfo } from "./events";

export type TrialStatus = "queued" | "leased" | "completed" | "failed";

export interface TrialRecord {
  readonly id: number;
  readonly tokens: number[];
  status: TrialStatus;
  readonly cost?: TrialCost;
  /** Times it was handed out. */
  attempts: number;
  /** The current (or last) lessee. */
  worker?: string;
  readonly proposedAt: number;
  leasedAt?: number;
  finishedAt?: number;
  reward?: number;
  metrics?: Record<string, unknown>;
  curve: CurvePoint[];
  run?: TrialRunInfo;
  startedAt?: number;
  durationMs?: number;
  failure?: { reason: string; code?: string };
  /** Set for results imported from elsewhere (they do not count as search steps). */
  imported?: string;
}

export interface StudyState {
  studyId: string;
  settings: StudySettings;
  /** trials[id - 1]; ids are 1, 2, 3, ... in proposal order. */
  trials: TrialRecord[];
  /** trialKey(tokens) -> trial id, for "was this handed out before". */
  byKey: Map<string, number>;
  /** Queued trial ids, oldest first: requeued trials go to the front of the line. */
  queue: number[];
  completed: number;
  failed: number;
  imported: number;
  leased: number;
  best?: { trialId: number; reward: number };
  /** Ids of the trials with a reward (completed or imported), in the order the rewards came. */
  rewarded: number[];
  strategyState: unknown;
  ended?: { reason: string };
  /** Events applied so far. */
  eventCount: number;
  createdAt: number;
  lastAt: number;
}

/**
 * The study's key of a token vector (for "was this handed out"): one UTF-16 unit per token, much
 * cheaper than a joined decimal string on the hot path. Tokens outside 0..65535 (no known space
 * has them) fall back to the decimal form, prefixed so the two forms never collide.
 */
export function trialKey(tokens: Tokens): string {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    if (!(t >= 0 && t <= 0xffff && Number.isInteger(t))) return `#${tokens.join(",")}`;
  }
  // One call, one flat string. Appending char by char would build a rope of ~13 string objects
  // per key, kept for the life of the study: most of a trial's memory, and of the garbage
  // collector's copying work on a busy server.
  return String.fromCharCode.apply(null, tokens as number[]);
}

function bad(message: string, data: Record<string, unknown> = {}): SegnasError {
  return new SegnasError("SEGNAS_E_BAD_STATE", `study state: ${message}`, data);
}

/** An empty state; the first event applied must be `study-created`. */
export function emptyStudyState(): StudyState {
  return {
    studyId: "",
    settings: { space: "", strategy: "", seed: 0, searchSteps: 0, maxFailures: 0 },
    trials: [],
    byKey: new Map(),
    queue: [],
    completed: 0,
    failed: 0,
    imported: 0,
    leased: 0,
    rewarded: [],
    strategyState: null,
    eventCount: 0,
    createdAt: 0,
    lastAt: 0,
  };
}

function trialOf(state: StudyState, trialId: number, type: string): TrialRecord {
  const t = state.trials[trialId - 1];
  if (!t) throw bad(`${type} names trial ${trialId}, which was never proposed`, { trialId });
  return t;
}

function removeFromQueue(state: StudyState, trialId: number): void {
  const i = state.queue.indexOf(trialId);
  if (i >= 0) state.queue.splice(i, 1);
}

function leaveLeased(state: StudyState, t: TrialRecord): void {
  if (t.status === "leased") state.leased--;
  else if (t.status === "queued") removeFromQueue(state, t.id);
}

function noteBest(state: StudyState, trialId: number, reward: number): void {
  if (!state.best || reward > state.best.reward) state.best = { trialId, reward };
}

/** Folds one event into the state (in place) and returns it. */
export function applyEvent(state: StudyState, event: StudyEvent): StudyState {
  if (state.eventCount === 0 && event.type !== "study-created") {
    throw bad(`the first event must be study-created, got ${event.type}`);
  }
  switch (event.type) {
    case "study-created":
      if (state.eventCount !== 0) throw bad("study-created after the study began");
      state.studyId = event.studyId;
      state.settings = { ...event.settings };
      state.strategyState = event.strategyState;
      state.createdAt = event.at;
      break;
    case "study-reconfigured": {
      const s = { ...state.settings };
      if (event.searchSteps !== undefined) s.searchSteps = event.searchSteps;
      if (event.maxFailures !== undefined) s.maxFailures = event.maxFailures;
      state.settings = s;
      // More steps or a larger failure budget re-open a search that had ended.
      state.ended = undefined;
      break;
    }
    case "trial-proposed":
    case "trial-imported": {
      if (event.trialId !== state.trials.length + 1) {
        throw bad(`${event.type} has trial id ${event.trialId}, expected ${state.trials.length + 1}`);
      }
      const key = trialKey(event.tokens);
      if (state.byKey.has(key)) {
        throw bad(
          `${event.type}: tokens [${event.tokens.join(",")}] were already trial ${state.byKey.get(key)}`,
        );
      }
      const imported = event.type === "trial-imported";
      const t: TrialRecord = {
        id: event.trialId,
        tokens: event.tokens.slice(),
        status: imported ? "completed" : "queued",
        attempts: 0,
        proposedAt: event.at,
        curve: [],
      };
      if (event.type === "trial-proposed" && event.cost) Object.assign(t, { cost: event.cost });
      state.trials.push(t);
      state.byKey.set(key, t.id);
      state.strategyState = event.strategyState;
      if (event.type === "trial-imported") {
        t.imported = event.source;
        t.reward = event.reward;
        t.finishedAt = event.at;
        state.imported++;
        state.rewarded.push(t.id);
        noteBest(state, t.id, event.reward);
      } else {
        state.queue.push(t.id);
      }
      break;
    }
    case "trial-leased": {
      const t = trialOf(state, event.trialId, event.type);
      if (t.status !== "queued" && t.status !== "leased") {
        throw bad(`trial ${t.id} is ${t.status} and cannot be leased`, { trialId: t.id });
      }
      leaveLeased(state, t);
      t.status = "leased";
      t.worker = event.worker;
      t.attempts = event.attempt;
      t.leasedAt = event.at;
      state.leased++;
      break;
    }
    case "trial-progress": {
      const t = trialOf(state, event.trialId, event.type);
      // Progress that crosses a completion in flight is harmless: keep the curve of record.
      if (t.status === "leased" || t.status === "queued") {
        const i = t.curve.findIndex((p) => p.epoch >= event.point.epoch);
        if (i < 0) t.curve.push(event.point);
        else t.curve.splice(i, t.curve[i]?.epoch === event.point.epoch ? 1 : 0, event.point);
      }
      break;
    }
    case "trial-completed": {
      const t = trialOf(state, event.trialId, event.type);
      if (t.status === "completed" || t.status === "failed") {
        throw bad(`trial ${t.id} finished twice`, { trialId: t.id });
      }
      leaveLeased(state, t);
      t.status = "completed";
      t.worker = event.worker;
      t.reward = event.reward;
      t.finishedAt = event.at;
      if (event.metrics) t.metrics = event.metrics;
      if (event.curve) t.curve = [...event.curve];
      if (event.run) t.run = event.run;
      if (event.startedAt !== undefined) t.startedAt = event.startedAt;
      if (event.durationMs !== undefined) t.durationMs = event.durationMs;
      state.completed++;
      state.rewarded.push(t.id);
      state.strategyState = event.strategyState;
      noteBest(state, t.id, event.reward);
      break;
    }
    case "trial-failed": {
      const t = trialOf(state, event.trialId, event.type);
      if (t.status === "completed" || t.status === "failed") {
        throw bad(`trial ${t.id} finished twice`, { trialId: t.id });
      }
      leaveLeased(state, t);
      t.status = "failed";
      t.worker = event.worker;
      t.finishedAt = event.at;
      t.failure =
        event.code === undefined ? { reason: event.reason } : { reason: event.reason, code: event.code };
      if (event.run) t.run = event.run;
      if (event.durationMs !== undefined) t.durationMs = event.durationMs;
      state.failed++;
      state.strategyState = event.strategyState;
      break;
    }
    case "trial-requeued": {
      const t = trialOf(state, event.trialId, event.type);
      if (event.reason === "retry-failed") {
        if (t.status !== "failed") throw bad(`trial ${t.id} is ${t.status}, not failed: cannot retry it`);
        state.failed--;
        t.status = "queued";
        delete t.failure;
        state.queue.push(t.id);
        // Retried trials re-open a search that had ended (e.g. on its failure budget).
        state.ended = undefined;
        break;
      }
      if (t.status !== "leased") throw bad(`trial ${t.id} is ${t.status}, not leased: cannot requeue`);
      state.leased--;
      t.status = "queued";
      // A lost trial goes to the front: it has waited longest.
      state.queue.unshift(t.id);
      break;
    }
    case "search-ended":
      state.ended = { reason: event.reason };
      break;
    default: {
      const never: never = event;
      throw bad(`unknown event type ${JSON.stringify((never as { type?: unknown }).type)}`);
    }
  }
  state.eventCount++;
  state.lastAt = Math.max(state.lastAt, event.at);
  return state;
}

/** Folds a whole event sequence (e.g. a journal) into a fresh state. */
export function replayEvents(events: Iterable<StudyEvent>): StudyState {
  const state = emptyStudyState();
  for (const e of events) applyEvent(state, e);
  return state;
}

/** Rewards that count towards `searchSteps` (imported results do not). */
export function searchProgress(state: StudyState): { done: number; total: number } {
  return { done: state.completed, total: state.settings.searchSteps };
}

/** Why the search is over, or undefined while it goes on. */
export function finishReason(state: StudyState): string | undefined {
  const { searchSteps, maxFailures } = state.settings;
  if (state.completed >= searchSteps) return `all ${searchSteps} search steps have a reward`;
  if (state.ended) return state.ended.reason;
  if (maxFailures > 0 && state.failed >= maxFailures) {
    return `${state.failed} trials failed (SEGNAS max failures ${maxFailures}); see the failed trials' reasons`;
  }
  return undefined;
}

/** A canonical plain-JSON form of the state, for comparisons and debugging. */
export function studyStateToJSON(state: StudyState): Record<string, unknown> {
  return {
    studyId: state.studyId,
    settings: state.settings,
    trials: state.trials,
    queue: state.queue,
    completed: state.completed,
    failed: state.failed,
    imported: state.imported,
    leased: state.leased,
    best: state.best ?? null,
    strategyState: state.strategyState,
    ended: state.ended ?? null,
    eventCount: state.eventCount,
  };
}
