/**
 * The controller: the one place where worker requests meet the study. It turns each request
 * into study decisions, makes the resulting events durable (journal append = fsync, shared by
 * concurrent requests through group commit) and only then answers. Leases, parked asks and the
 * worker registry are its in-memory business; everything that matters after a crash is in the
 * journal. Transport-free: sessions (TCP or in-memory) call it.
 */
import {
  SegnasError,
  rankTrials,
  type CurvePoint,
  type Study,
  type StudyEvent,
  type TrialRecord,
} from "@segnas/core";
import type { Journal } from "@segnas/journal";
import type {
  AckMessage,
  Body,
  Capabilities,
  ContinueMessage,
  DoneMessage,
  FailMessage,
  HeartbeatMessage,
  StatusSnapshot,
  StopMessage,
  StudySummary,
  TellMessage,
  TrialBudget,
  TrialMessage,
  TrialStatus,
  WaitMessage,
  WorkerStatus,
} from "@segnas/protocol";
import type { Logger } from "pino";
import { systemClock, type Clock, type TimerHandle } from "./clock";
import { LeaseTable } from "./lease-table";

export interface ControllerOptions {
  readonly study: Study;
  readonly journal: Journal<StudyEvent>;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly budget: TrialBudget;
  readonly clock?: Clock;
  /** How long an ask that has to wait is held open before "wait" is answered (default 5 s). */
  readonly maxAskHoldMs?: number;
  /** Told after every trial that finishes (completed or failed), after it is durable. */
  readonly onTrialFinished?: (trial: TrialRecord) => void;
  /** Told after any change to the study is durable (hand-outs, requeues, progress, results). */
  readonly onStudyChanged?: () => void;
  /** Told once when the search is over. */
  readonly onFinished?: (reason: string) => void;
  /** A journal write failed: the controller can no longer promise durability. */
  readonly onFatal?: (error: Error) => void;
}

type AskReply =
  | (Body<TrialMessage> & { type: "trial" })
  | (Body<WaitMessage> & { type: "wait" })
  | (Body<DoneMessage> & { type: "done" });

interface Parked {
  readonly workerId: string;
  readonly alive: () => boolean;
  readonly resolve: (reply: AskReply | null) => void;
  readonly timer: TimerHandle;
}

interface WorkerEntry {
  workerId: string;
  sessionId: string;
  capabilities: Capabilities;
  connectedAt: number;
  lastSeenAt: number;
  connected: boolean;
  trialId: number | null;
  epoch: number | null;
  metric?: number;
  /** True once it asked for work (status-only clients are not listed). */
  isWorker: boolean;
}

export class Controller {
  readonly study: Study;
  private readonly journal: Journal<StudyEvent>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly leases: LeaseTable;
  private readonly parked: Parked[] = [];
  private readonly workers = new Map<string, WorkerEntry>();
  /** Who was handed each unfinished trial (a result from anyone else is refused). */
  private readonly holders = new Map<number, Set<string>>();
  private finishedReason: string | undefined;
  private fatal: Error | null = null;
  private readonly finishedPromise: Promise<string>;
  private resolveFinished!: (reason: string) => void;
  readonly startedAt: number;

  constructor(private readonly opts: ControllerOptions) {
    this.study = opts.study;
    this.journal = opts.journal;
    this.log = opts.logger;
    this.clock = opts.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.finishedPromise = new Promise((resolve) => (this.resolveFinished = resolve));
    const sweepMs = Math.max(20, Math.min(1000, Math.floor(opts.leaseMs / 4)));
    this.leases = new LeaseTable(this.clock, (id) => this.expire(id), sweepMs);
    // Resumed leases get a full lease: their workers need time to reconnect to a new server.
    const now = this.clock.now();
    for (const t of this.study.state.trials) {
      if (t.status === "leased") this.leases.set(t.id, now + opts.leaseMs);
      if (t.worker !== undefined) this.holders.set(t.id, new Set([t.worker]));
    }
    this.checkFinished();
  }

  /** Resolves with the reason once the search is over. */
  whenFinished(): Promise<string> {
    return this.finishedPromise;
  }

  get finished(): string | undefined {
    return this.finishedReason;
  }

  get summary(): StudySummary {
    const s = this.study.state;
    return {
      studyId: s.studyId,
      space: s.settings.space,
      strategy: s.settings.strategy,
      searchSteps: s.settings.searchSteps,
    };
  }

  /** A session finished its handshake. A newer session of the same worker supersedes the old one. */
  connect(workerId: string, sessionId: string, capabilities: Capabilities): void {
    const now = this.clock.now();
    const prev = this.workers.get(workerId);
    this.workers.set(workerId, {
      workerId,
      sessionId,
      capabilities,
      connectedAt: now,
      lastSeenAt: now,
      connected: true,
      trialId: prev?.trialId ?? null,
      epoch: prev?.epoch ?? null,
      ...(prev?.metric !== undefined ? { metric: prev.metric } : {}),
      isWorker: prev?.isWorker ?? false,
    });
  }

  /**
   * A session ended without a goodbye. The worker may come back (server or network restart), so
   * its leases stay, but only for a short grace period: a dead worker's trial is handed out soon.
   */
  disconnect(workerId: string, sessionId: string): void {
    const w = this.workers.get(workerId);
    if (!w || w.sessionId !== sessionId) return;
    w.connected = false;
    const grace = this.clock.now() + Math.min(this.opts.leaseMs, 2 * this.opts.heartbeatMs + 1000);
    for (const id of this.study.leasesOf(workerId)) this.leases.shorten(id, grace);
    if (!w.isWorker) this.workers.delete(workerId);
  }

  /** The worker said goodbye: what it held goes back to the queue at once. */
  release(workerId: string): Promise<void> {
    const events = this.study.releaseWorker(workerId, this.clock.now());
    for (const e of events) if (e.type === "trial-requeued") this.leases.delete(e.trialId);
    const w = this.workers.get(workerId);
    if (w) w.trialId = null;
    const done = this.persist(events);
    if (events.length > 0) {
      const trials = events.map((e) => ("trialId" in e ? e.trialId : 0));
      this.log.info(
        { workerId, trials },
        `worker ${workerId} left: trial(s) ${trials.join(", ")} go back to the queue`,
      );
      done.then(() => this.wake(), ignore);
    }
    return done;
  }

  /**
   * Work for `workerId`: a trial, "wait" (after holding the request up to maxAskHoldMs for
   * something to change), or "done". `alive` says whether the asker is still connected; a
   * parked ask whose asker left is dropped, never given a lease. Null when it left.
   */
  async ask(workerId: string, alive: () => boolean = () => true): Promise<AskReply | null> {
    this.seen(workerId, true);
    const immediate = await this.tryAsk(workerId);
    if (immediate.type !== "wait") return immediate;
    return new Promise<AskReply | null>((resolve) => {
      const timer = this.clock.setTimer(() => {
        const i = this.parked.indexOf(entry);
        if (i >= 0) this.parked.splice(i, 1);
        resolve(alive() ? { ...immediate, retryAfterMs: 0 } : null);
      }, this.opts.maxAskHoldMs ?? 5000);
      const entry: Parked = { workerId, alive, resolve, timer };
      this.parked.push(entry);
    });
  }

  async tell(workerId: string, msg: TellMessage): Promise<Body<AckMessage> & { type: "ack" }> {
    const now = this.clock.now();
    const known = this.study.trial(msg.trialId);
    this.checkHolder(msg.trialId, workerId);
    const worker = this.seen(workerId, true);
    this.noteBackend(worker, msg.backend);
    const curve = this.curveOf(known, msg.curve);
    const run = {
      backend: msg.backend ?? worker?.capabilities.backend,
      device: worker?.capabilities.device,
      host: worker?.capabilities.hostname,
      ...(msg.trialDir !== undefined ? { trialDir: msg.trialDir } : {}),
      ...(msg.modelDir !== undefined ? { modelPath: msg.modelDir } : {}),
    };
    const out = this.study.tell(
      msg.trialId,
      workerId,
      {
        reward: msg.reward,
        metrics: msg.metrics,
        curve,
        run: dropUndefined(run),
        startedAt: Math.round(now - msg.durationMs),
        durationMs: msg.durationMs,
      },
      now,
    );
    return this.finishTrial(workerId, out);
  }

  async fail(workerId: string, msg: FailMessage): Promise<Body<AckMessage> & { type: "ack" }> {
    this.checkHolder(msg.trialId, workerId);
    const worker = this.seen(workerId, true);
    if (msg.fault === "worker") return this.workerFailed(workerId, msg);
    const run = {
      backend: worker?.capabilities.backend,
      device: worker?.capabilities.device,
      host: worker?.capabilities.hostname,
    };
    const out = this.study.fail(
      msg.trialId,
      workerId,
      { reason: msg.reason, ...(msg.code !== undefined ? { code: msg.code } : {}), run: dropUndefined(run) },
      this.clock.now(),
    );
    return this.finishTrial(workerId, out);
  }

  /** The worker, not the architecture, failed: the trial is queued again, nothing is counted. */
  private async workerFailed(
    workerId: string,
    msg: FailMessage,
  ): Promise<Body<AckMessage> & { type: "ack" }> {
    const out = this.study.workerFailed(
      msg.trialId,
      workerId,
      { reason: msg.reason, ...(msg.code !== undefined ? { code: msg.code } : {}) },
      this.clock.now(),
    );
    const w = this.workers.get(workerId);
    if (w && w.trialId === msg.trialId) {
      w.trialId = null;
      w.epoch = null;
      delete w.metric;
    }
    if (out.events.length > 0) {
      this.leases.delete(msg.trialId);
      await this.persist(out.events);
      this.log.warn(
        { trialId: msg.trialId, workerId, code: msg.code, reason: msg.reason },
        `trial ${msg.trialId} goes back to the queue: worker ${workerId} failed (${msg.reason})`,
      );
      this.wake();
    }
    return { type: "ack", trialId: msg.trialId, duplicate: out.outcome === "duplicate" };
  }

  heartbeat(
    workerId: string,
    msg: HeartbeatMessage,
  ): (Body<ContinueMessage> & { type: "continue" }) | (Body<StopMessage> & { type: "stop" }) {
    const now = this.clock.now();
    const w = this.seen(workerId, true);
    this.noteBackend(w, msg.backend);
    const t = this.study.trial(msg.trialId);
    const last = t?.curve[t.curve.length - 1];
    const point: CurvePoint | undefined =
      msg.metric !== undefined && msg.epoch > 0 && (!last || last.epoch < msg.epoch)
        ? { epoch: msg.epoch, miou: msg.metric }
        : undefined;
    const out = this.study.heartbeat(msg.trialId, workerId, now, point);
    // Progress is advisory: it is journaled in order, but the answer does not wait for the fsync.
    if (out.events.length > 0) this.persist(out.events).catch(ignore);
    if (out.decision === "continue") {
      this.leases.set(msg.trialId, now + this.opts.leaseMs);
      if (w) {
        w.trialId = msg.trialId;
        w.epoch = msg.epoch;
        if (msg.metric !== undefined) w.metric = msg.metric;
      }
      return { type: "continue", trialId: msg.trialId };
    }
    if (w && w.trialId === msg.trialId) w.trialId = null;
    const trial = this.study.trial(msg.trialId);
    const reason =
      trial?.status === "completed" || trial?.status === "failed"
        ? `trial ${msg.trialId} already has a result`
        : this.study.finishReason() !== undefined
          ? `the search is over: ${this.study.finishReason()}`
          : `trial ${msg.trialId} was handed to another worker after its lease expired`;
    return { type: "stop", trialId: msg.trialId, reason };
  }

  /** The study as a status snapshot (workers listed are those that asked for work). */
  snapshot(recentCount = 50): StatusSnapshot {
    const s = this.study.state;
    const best = s.best ? s.trials[s.best.trialId - 1] : undefined;
    const workers: WorkerStatus[] = [...this.workers.values()]
      .filter((w) => w.isWorker && w.connected)
      .map((w) => ({
        workerId: w.workerId,
        sessionId: w.sessionId,
        capabilities: w.capabilities,
        connectedAt: w.connectedAt,
        lastSeenAt: w.lastSeenAt,
        trialId: w.trialId,
        epoch: w.trialId === null ? null : w.epoch,
        ...(w.metric !== undefined && w.trialId !== null ? { metric: w.metric } : {}),
      }));
    const recent: TrialStatus[] = s.trials.slice(-recentCount).map((t) => ({
      trialId: t.id,
      tokens: t.tokens,
      state: t.status,
      reward: t.reward ?? null,
      workerId: t.worker ?? null,
      durationMs: t.durationMs ?? null,
    }));
    return {
      study: this.summary,
      startedAt: s.createdAt,
      now: this.clock.now(),
      completed: s.completed,
      failed: s.failed,
      running: s.leased,
      queued: s.queue.length,
      done: this.finishedReason !== undefined,
      best: best && s.best ? { trialId: best.id, tokens: best.tokens, reward: s.best.reward } : null,
      workers,
      recent,
    };
  }

  /** Trials ranked by reward (best first). */
  ranking(limit?: number): TrialRecord[] {
    return rankTrials(this.study.state, limit === undefined ? {} : { limit });
  }

  /** Stops timers and answers parked asks (with null: their sessions are closing). */
  close(): void {
    this.leases.close();
    for (const p of this.parked.splice(0)) {
      p.timer.cancel();
      p.resolve(null);
    }
  }

  // ---- internals ----

  private async tryAsk(workerId: string): Promise<AskReply> {
    const now = this.clock.now();
    const { decision, events } = this.study.ask(workerId, now);
    if (decision.kind === "trial") {
      const t = decision.trial;
      this.leases.set(t.id, now + this.opts.leaseMs);
      let held = this.holders.get(t.id);
      if (!held) this.holders.set(t.id, (held = new Set()));
      held.add(workerId);
      const w = this.workers.get(workerId);
      if (w) {
        w.trialId = t.id;
        w.epoch = 0;
        delete w.metric;
      }
      await this.persist(events);
      // The lease runs from when the worker can hear of it: a slow or full disk delays the reply.
      if (this.study.trial(t.id)?.status === "leased")
        this.leases.set(t.id, this.clock.now() + this.opts.leaseMs);
      if (decision.attempt > 1)
        this.log.info(
          { trialId: t.id, workerId, attempt: decision.attempt },
          `trial ${t.id} handed out again, to ${workerId} (attempt ${decision.attempt})`,
        );
      return {
        type: "trial",
        trialId: t.id,
        tokens: t.tokens,
        arch: this.study.space.decode(t.tokens) as TrialMessage["arch"],
        budget: this.opts.budget,
        leaseSeconds: this.opts.leaseMs / 1000,
      };
    }
    if (decision.kind === "done") {
      await this.persist(events);
      // A result told just before (a worker sends its last result and next ask together) may
      // still be on its way to disk: the search is over, and "done" said, once it is durable.
      await this.durable();
      this.checkFinished();
      return { type: "done", reason: decision.reason, ...this.bestField() };
    }
    return { type: "wait", retryAfterMs: Math.min(1000, this.opts.heartbeatMs), reason: decision.reason };
  }

  private async finishTrial(
    workerId: string,
    out: ReturnType<Study["tell"]>,
  ): Promise<Body<AckMessage> & { type: "ack" }> {
    const w = this.workers.get(workerId);
    if (w && w.trialId === out.trial.id) {
      w.trialId = null;
      w.epoch = null;
      delete w.metric;
    }
    if (out.outcome === "duplicate") {
      // A repeat of a result whose first copy may still be waiting for the disk (a full disk
      // stalls the journal): acknowledge only what is durable.
      await this.journal.append([]).catch((err: Error) => {
        throw journalWriteError(err);
      });
    }
    if (out.outcome === "accepted") {
      this.leases.delete(out.trial.id);
      this.holders.delete(out.trial.id);
      await this.persist(out.events);
      const t = out.trial;
      this.log.info(
        { trialId: t.id, workerId, status: t.status, reward: t.reward, reason: t.failure?.reason },
        t.status === "completed" ? `trial ${t.id} reward ${t.reward}` : `trial ${t.id} failed`,
      );
      this.opts.onTrialFinished?.(t);
      this.checkFinished();
      this.wake();
    }
    return { type: "ack", trialId: out.trial.id, duplicate: out.outcome === "duplicate" };
  }

  private expire(trialId: number): void {
    if (this.fatal) return;
    const t = this.study.trial(trialId);
    const events = this.study.requeue(trialId, "lease-expired", this.clock.now());
    if (events.length === 0) return;
    this.log.warn(
      { trialId, workerId: t?.worker },
      `lease of trial ${trialId} expired: it goes back to the queue`,
    );
    const w = t?.worker ? this.workers.get(t.worker) : undefined;
    if (w && w.trialId === trialId) w.trialId = null;
    this.persist(events).then(() => this.wake(), ignore);
  }

  /**
   * A result for an unfinished trial comes only from a worker it was handed to (a late result
   * after its lease went to another worker is welcome: first result wins). Anyone else is a
   * broken or hostile peer: refused, nothing changes. A repeat of a finished trial's result is
   * answered as a duplicate by the study. After a restart only the last holder is known.
   */
  private checkHolder(trialId: number, workerId: string): void {
    const t = this.study.trial(trialId);
    if (!t || t.status === "completed" || t.status === "failed") return;
    if (this.holders.get(trialId)?.has(workerId)) return;
    throw new SegnasError(
      "SEGNAS_E_UNKNOWN_TRIAL",
      `trial ${trialId} was never handed to worker ${workerId}: its result is refused (ask for a trial first)`,
      { trialId, workerId },
    );
  }

  /** Re-runs parked asks, oldest first, while there is something to hand out. */
  private wake(): void {
    while (this.parked.length > 0) {
      const p = this.parked[0] as Parked;
      if (!p.alive()) {
        this.parked.shift();
        p.timer.cancel();
        p.resolve(null);
        continue;
      }
      // Peek without side effects: only dequeue when the ask will not wait.
      const done = this.study.finishReason();
      const canLease =
        done !== undefined ||
        this.study.state.queue.length > 0 ||
        this.study.leasesOf(p.workerId).length > 0 ||
        this.study.state.queue.length + this.study.state.leased <
          this.study.state.settings.searchSteps - this.study.state.completed;
      if (!canLease) return;
      this.parked.shift();
      p.timer.cancel();
      void this.tryAsk(p.workerId).then(
        (reply) => p.resolve(reply),
        (err: Error) => {
          this.log.error({ err }, "ask failed");
          p.resolve(null);
        },
      );
    }
  }

  private checkFinished(): void {
    if (this.finishedReason !== undefined) return;
    const reason = this.study.finishReason();
    if (reason === undefined) return;
    this.finishedReason = reason;
    this.log.info({ reason }, "search finished");
    this.opts.onFinished?.(reason);
    this.resolveFinished(reason);
    // Parked asks learn it now.
    for (const p of this.parked.splice(0)) {
      p.timer.cancel();
      p.resolve(p.alive() ? { type: "done", reason, ...this.bestField() } : null);
    }
  }

  private bestField(): { best?: DoneMessage["best"] } {
    const s = this.study.state;
    const best = s.best ? s.trials[s.best.trialId - 1] : undefined;
    return best && s.best ? { best: { trialId: best.id, tokens: best.tokens, reward: s.best.reward } } : {};
  }

  /** The backend a worker said at hello may be "auto": its heartbeats and results say which one it uses. */
  private noteBackend(w: WorkerEntry | undefined, backend: string | undefined): void {
    if (w && backend && backend !== w.capabilities.backend) w.capabilities = { ...w.capabilities, backend };
  }

  private seen(workerId: string, isWorker: boolean): WorkerEntry | undefined {
    const w = this.workers.get(workerId);
    if (w) {
      w.lastSeenAt = this.clock.now();
      if (isWorker) w.isWorker = true;
    }
    return w;
  }

  /** Curve points for a tell: epochs from the progress heartbeats when they line up, else 1..n. */
  private curveOf(trial: TrialRecord | undefined, values: number[]): CurvePoint[] {
    const known = trial?.curve ?? [];
    if (known.length === values.length)
      return values.map((miou, i) => ({ ...(known[i] as CurvePoint), miou }));
    const offset = known.length > 0 ? (known[0] as CurvePoint).epoch - 1 : 0;
    return values.map((miou, i) => ({ epoch: offset + i + 1, miou }));
  }

  /** Resolves once every event appended so far is durable (failures surface where they were appended). */
  private durable(): Promise<void> {
    return this.journal.append([]).catch(ignore);
  }

  private persist(events: StudyEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (this.fatal) return Promise.reject(journalWriteError(this.fatal));
    const appended = this.journal.append(events);
    // A side branch, so the callers' continuations keep their order.
    if (this.opts.onStudyChanged) appended.then(this.opts.onStudyChanged, ignore);
    return appended.catch((err: Error) => {
      if (!this.fatal) {
        this.fatal = err;
        this.log.fatal(
          { err },
          "journal write failed: the server stops (restart it to resume from the journal)",
        );
        this.opts.onFatal?.(err);
      }
      throw journalWriteError(err);
    });
  }
}

function journalWriteError(err: Error): SegnasError {
  return new SegnasError(
    "SEGNAS_E_JOURNAL_WRITE",
    `journal write failed: ${err.message}; free disk space or fix the run directory, then restart to resume`,
  );
}

/** For writes nobody waits on: a failure is already fatal (logged, onFatal) inside persist. */
function ignore(): void {}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
