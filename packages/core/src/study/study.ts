/**
 * The study: decisions over the state (what to hand out, what a result means), expressed as
 * events. Every method applies the events it returns to the state before returning, so the
 * caller only has to persist them (and reply after they are durable). No I/O, no clock: `now`
 * is passed in, lease deadlines live with the caller.
 */
import { SegnasError } from "../errors";
import type { SearchSpace, Tokens } from "../search-space";
import { tokensKey } from "../search-space";
import type { Strategy, StudyView } from "../strategies/strategy";
import type {
  CurvePoint,
  RequeueReason,
  StudyEvent,
  StudySettings,
  TrialCompletedEvent,
  TrialCost,
  TrialFailedEvent,
  TrialImportedEvent,
  TrialRunInfo,
} from "./events";
import { applyEvent, emptyStudyState, finishReason, type StudyState, type TrialRecord } from "./state";
import { createStudyView } from "./view";

export interface StudyDeps {
  readonly space: SearchSpace;
  /** A fresh strategy (create) or one restored from `state.strategyState` (resume). */
  readonly strategy: Strategy;
  /** Constraint check handed to the strategy (max FLOPs / params). */
  readonly isFeasible?: (tokens: Tokens) => boolean;
  /** Static cost recorded with each proposal. */
  readonly cost?: (tokens: Tokens) => TrialCost | undefined;
}

export type AskDecision =
  | { readonly kind: "trial"; readonly trial: TrialRecord; readonly attempt: number }
  | { readonly kind: "wait"; readonly reason: string }
  | { readonly kind: "done"; readonly reason: string };

export type HeartbeatDecision = "continue" | "stop";

/** What a worker reports for a finished trial: the result fields of the trial-completed event. */
export type TrialReport = Pick<
  TrialCompletedEvent,
  "reward" | "metrics" | "curve" | "run" | "startedAt" | "durationMs"
>;

export interface TrialFailure {
  readonly reason: string;
  readonly code?: string;
  readonly run?: TrialRunInfo;
  readonly durationMs?: number;
}

export interface Outcome {
  /** "duplicate": the trial had already finished; nothing changed (idempotent). */
  readonly outcome: "accepted" | "duplicate";
  readonly trial: TrialRecord;
  readonly events: StudyEvent[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class Study {
  readonly state: StudyState;
  readonly space: SearchSpace;
  private readonly strategy: Strategy;
  private readonly view: StudyView;
  private readonly cost?: (tokens: Tokens) => TrialCost | undefined;
  /** worker -> ids of the trials it holds (derived from the state, kept in step with it). */
  private readonly leases = new Map<string, Set<number>>();

  private constructor(state: StudyState, deps: StudyDeps) {
    this.state = state;
    this.space = deps.space;
    this.strategy = deps.strategy;
    this.cost = deps.cost;
    this.view = createStudyView(state, deps.space, deps.isFeasible);
    for (const t of state.trials) if (t.status === "leased" && t.worker) this.addLease(t.worker, t.id);
  }

  /** A new study; the returned `study-created` event must be persisted first. */
  static create(
    init: { studyId: string; settings: StudySettings; at: number },
    deps: StudyDeps,
  ): { study: Study; events: StudyEvent[] } {
    const state = emptyStudyState();
    const event: StudyEvent = {
      type: "study-created",
      v: 1,
      studyId: init.studyId,
      settings: init.settings,
      strategyState: deps.strategy.toJSON(),
      at: init.at,
    };
    applyEvent(state, event);
    return { study: new Study(state, deps), events: [event] };
  }

  /** A study over a replayed state; `deps.strategy` must be restored from `state.strategyState`. */
  static fromState(state: StudyState, deps: StudyDeps): Study {
    if (state.eventCount === 0) throw new SegnasError("SEGNAS_E_BAD_STATE", "cannot resume an empty study");
    return new Study(state, deps);
  }

  get strategyName(): string {
    return this.strategy.name;
  }

  /** Why the search is over, or undefined. */
  finishReason(): string | undefined {
    return finishReason(this.state);
  }

  trial(trialId: number): TrialRecord | undefined {
    return this.state.trials[trialId - 1];
  }

  /** Trial ids currently leased to `worker`. */
  leasesOf(worker: string): number[] {
    return [...(this.leases.get(worker) ?? [])];
  }

  /** Hands `worker` something to do, or says why not. */
  ask(worker: string, now: number): { decision: AskDecision; events: StudyEvent[] } {
    const done = this.finishReason();
    if (done !== undefined) return { decision: { kind: "done", reason: done }, events: [] };
    // A worker that asks while holding a lease has lost its trial (it restarted): give it back.
    const held = this.leases.get(worker);
    if (held && held.size > 0) {
      const id = Math.min(...held);
      return this.lease(this.state.trials[id - 1] as TrialRecord, worker, now, []);
    }
    const queued = this.state.queue[0];
    if (queued !== undefined)
      return this.lease(this.state.trials[queued - 1] as TrialRecord, worker, now, []);
    const pending = this.state.queue.length + this.state.leased;
    const remaining = this.state.settings.searchSteps - this.state.completed;
    if (pending >= remaining) {
      return {
        decision: { kind: "wait", reason: `the last ${pending} step(s) are running on other workers` },
        events: [],
      };
    }
    const asked = this.strategy.ask(this.view);
    if (asked.kind === "propose") {
      this.space.validate(asked.tokens);
      if (this.view.wasProposed(asked.tokens)) {
        return this.end(
          `strategy ${this.strategy.name} proposed tokens [${tokensKey(asked.tokens)}] twice (a bug in the strategy)`,
          now,
        );
      }
      const cost = this.cost?.(asked.tokens);
      const proposed: StudyEvent = {
        type: "trial-proposed",
        trialId: this.state.trials.length + 1,
        tokens: [...asked.tokens],
        ...(cost ? { cost } : {}),
        strategyState: this.strategy.toJSON(),
        at: now,
      };
      this.apply(proposed);
      return this.lease(this.state.trials[proposed.trialId - 1] as TrialRecord, worker, now, [proposed]);
    }
    if (pending > 0) {
      const why = asked.kind === "wait" ? "the strategy waits for running trials" : asked.reason;
      return { decision: { kind: "wait", reason: why }, events: [] };
    }
    const reason =
      asked.kind === "exhausted"
        ? `search space exhausted: ${asked.reason}`
        : `strategy ${this.strategy.name} waits although no trial is running (a bug in the strategy)`;
    return this.end(reason, now);
  }

  /** A reward for a trial. Idempotent: a second report of a finished trial is a duplicate. */
  tell(trialId: number, worker: string, report: TrialReport, now: number): Outcome {
    const t = this.known(trialId);
    if (t.status === "completed" || t.status === "failed")
      return { outcome: "duplicate", trial: t, events: [] };
    if (!Number.isFinite(report.reward)) {
      return this.fail(
        trialId,
        worker,
        { reason: `reward ${String(report.reward)} is not a finite number` },
        now,
      );
    }
    const event: Mutable<TrialCompletedEvent> = {
      type: "trial-completed",
      trialId,
      worker,
      reward: report.reward,
      ...(report.metrics ? { metrics: report.metrics } : {}),
      ...(report.curve ? { curve: report.curve } : {}),
      ...(report.run ? { run: report.run } : {}),
      ...(report.startedAt !== undefined ? { startedAt: report.startedAt } : {}),
      ...(report.durationMs !== undefined ? { durationMs: report.durationMs } : {}),
      strategyState: null,
      at: now,
    };
    // The strategy sees the study with this result in it; its snapshot after the tell is recorded.
    this.apply(event);
    this.strategy.tell(this.view, { tokens: t.tokens, reward: report.reward });
    event.strategyState = this.strategy.toJSON();
    this.state.strategyState = event.strategyState;
    return { outcome: "accepted", trial: t, events: [event] };
  }

  /** A trial that could not produce a reward (the strategy is told reward null). */
  fail(trialId: number, worker: string, failure: TrialFailure, now: number): Outcome {
    const t = this.known(trialId);
    if (t.status === "completed" || t.status === "failed")
      return { outcome: "duplicate", trial: t, events: [] };
    const event: Mutable<TrialFailedEvent> = {
      type: "trial-failed",
      trialId,
      worker,
      reason: failure.reason,
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      ...(failure.run ? { run: failure.run } : {}),
      ...(failure.durationMs !== undefined ? { durationMs: failure.durationMs } : {}),
      strategyState: null,
      at: now,
    };
    this.apply(event);
    this.strategy.tell(this.view, { tokens: t.tokens, reward: null });
    event.strategyState = this.strategy.toJSON();
    this.state.strategyState = event.strategyState;
    return { outcome: "accepted", trial: t, events: [event] };
  }

  /**
   * A worker says it is still on a trial (with an evaluated epoch when `point` is given).
   * "stop" when the trial finished elsewhere, belongs to another worker now, or the search is over.
   * A trial whose lease expired but that nobody took yet is handed back to its worker.
   */
  heartbeat(
    trialId: number,
    worker: string,
    now: number,
    point?: CurvePoint,
  ): { decision: HeartbeatDecision; events: StudyEvent[] } {
    const t = this.known(trialId);
    if (t.status === "completed" || t.status === "failed" || this.finishReason() !== undefined) {
      return { decision: "stop", events: [] };
    }
    const events: StudyEvent[] = [];
    if (t.status === "queued") {
      if (t.worker !== worker) return { decision: "stop", events };
      const leased: StudyEvent = { type: "trial-leased", trialId, worker, attempt: t.attempts + 1, at: now };
      this.apply(leased);
      events.push(leased);
    } else if (t.worker !== worker) {
      return { decision: "stop", events };
    }
    if (point) {
      const progress: StudyEvent = { type: "trial-progress", trialId, worker, point, at: now };
      this.apply(progress);
      events.push(progress);
    }
    return { decision: "continue", events };
  }

  /**
   * The worker holding `trialId` failed for reasons of its own (not the architecture's): the
   * trial goes back to the queue, the strategy is not told, the failure budget is not touched.
   * A trial that already finished is a duplicate; one held by someone else stays as it is.
   */
  workerFailed(trialId: number, worker: string, failure: TrialFailure, now: number): Outcome {
    const t = this.known(trialId);
    if (t.status === "completed" || t.status === "failed")
      return { outcome: "duplicate", trial: t, events: [] };
    if (t.status !== "leased" || t.worker !== worker) return { outcome: "accepted", trial: t, events: [] };
    const events = this.requeue(trialId, "worker-failed", now, failure);
    return { outcome: "accepted", trial: t, events };
  }

  /** Puts a leased trial back in the queue (its lease expired, or its worker gave it back). */
  requeue(
    trialId: number,
    reason: RequeueReason,
    now: number,
    failure?: Pick<TrialFailure, "reason" | "code">,
  ): StudyEvent[] {
    const t = this.known(trialId);
    if (t.status !== "leased") return [];
    const event: StudyEvent = {
      type: "trial-requeued",
      trialId,
      reason,
      ...(t.worker !== undefined ? { worker: t.worker } : {}),
      ...(failure ? { detail: failure.reason } : {}),
      ...(failure?.code !== undefined ? { code: failure.code } : {}),
      at: now,
    };
    this.apply(event);
    return [event];
  }

  /** Requeues everything `worker` holds (it said goodbye, or is known to be gone). */
  releaseWorker(worker: string, now: number): StudyEvent[] {
    return this.leasesOf(worker).flatMap((id) => this.requeue(id, "released", now));
  }

  /** Hands every failed trial out again (`--retry-failed`): they are queued and no longer count as failures. */
  retryFailed(now: number): StudyEvent[] {
    const events: StudyEvent[] = [];
    for (const t of this.state.trials) {
      if (t.status !== "failed") continue;
      const event: StudyEvent = {
        type: "trial-requeued",
        trialId: t.id,
        reason: "retry-failed",
        ...(t.worker !== undefined ? { worker: t.worker } : {}),
        at: now,
      };
      this.apply(event);
      events.push(event);
    }
    return events;
  }

  /** Changes the step budget (e.g. a resumed search asked for more steps). */
  reconfigure(change: { searchSteps?: number; maxFailures?: number }, now: number): StudyEvent[] {
    const s = this.state.settings;
    const steps = change.searchSteps !== undefined && change.searchSteps !== s.searchSteps;
    const fails = change.maxFailures !== undefined && change.maxFailures !== s.maxFailures;
    if (!steps && !fails) return [];
    const event: StudyEvent = {
      type: "study-reconfigured",
      ...(steps ? { searchSteps: change.searchSteps } : {}),
      ...(fails ? { maxFailures: change.maxFailures } : {}),
      at: now,
    };
    this.apply(event);
    return [event];
  }

  /** Seeds the study with a result from elsewhere; skipped (no events) if those tokens are known. */
  importResult(tokens: Tokens, reward: number, source: string, now: number): StudyEvent[] {
    this.space.validate(tokens);
    if (this.view.wasProposed(tokens) || !Number.isFinite(reward)) return [];
    const event: Mutable<TrialImportedEvent> = {
      type: "trial-imported",
      trialId: this.state.trials.length + 1,
      tokens: [...tokens],
      reward,
      source,
      strategyState: null,
      at: now,
    };
    this.apply(event);
    this.strategy.tell(this.view, { tokens, reward });
    event.strategyState = this.strategy.toJSON();
    this.state.strategyState = event.strategyState;
    return [event];
  }

  private lease(
    t: TrialRecord,
    worker: string,
    now: number,
    events: StudyEvent[],
  ): { decision: AskDecision; events: StudyEvent[] } {
    const attempt = t.attempts + 1;
    const event: StudyEvent = { type: "trial-leased", trialId: t.id, worker, attempt, at: now };
    this.apply(event);
    events.push(event);
    return { decision: { kind: "trial", trial: t, attempt }, events };
  }

  private end(reason: string, now: number): { decision: AskDecision; events: StudyEvent[] } {
    const event: StudyEvent = { type: "search-ended", reason, at: now };
    this.apply(event);
    return { decision: { kind: "done", reason }, events: [event] };
  }

  private known(trialId: number): TrialRecord {
    const t = Number.isInteger(trialId) ? this.state.trials[trialId - 1] : undefined;
    if (!t) {
      throw new SegnasError(
        "SEGNAS_E_UNKNOWN_TRIAL",
        `trial ${String(trialId)} is not part of this study (the server was restarted on another run directory?)`,
        { trialId },
      );
    }
    return t;
  }

  private apply(event: StudyEvent): void {
    const before = "trialId" in event ? this.state.trials[event.trialId - 1] : undefined;
    const prevWorker = before?.status === "leased" ? before.worker : undefined;
    applyEvent(this.state, event);
    if (!("trialId" in event)) return;
    const t = this.state.trials[event.trialId - 1] as TrialRecord;
    if (prevWorker !== undefined && (t.status !== "leased" || t.worker !== prevWorker)) {
      this.leases.get(prevWorker)?.delete(t.id);
    }
    if (t.status === "leased" && t.worker !== undefined) this.addLease(t.worker, t.id);
  }

  private addLease(worker: string, id: number): void {
    let set = this.leases.get(worker);
    if (!set) this.leases.set(worker, (set = new Set()));
    set.add(id);
  }
}
