/**
 * The live dashboard's view of the controller: on every tick it turns the study state into
 * rows, gives each changed trial the next revision number (the SSE cursor), follows leases into
 * timeline spans (a lease lost and handed out again stays visible as a "requeued" span) and
 * remembers workers that left. O(trials) per tick, ticks coalesced: cheap at 10,000 trials.
 */
import type { SearchSpace, TrialCost, TrialRecord } from "@segnas/core";
import type {
  DashSnapshot,
  DashSpan,
  DashStudy,
  DashTrial,
  DashUpdate,
  DashWorker,
} from "@segnas/dashboard-ui";
import type { Controller } from "../controller";
import { currentTokensOf, dashTrial, etaOf, fingerprint, strategySummary } from "./rows";

export interface FeedOptions {
  readonly controller: Controller;
  readonly space: SearchSpace;
  readonly costOf: (t: TrialRecord) => TrialCost | undefined;
  readonly epochs: number;
  readonly now?: () => number;
}

interface SpanEntry {
  span: DashSpan;
  rev: number;
}

export class DashboardFeed {
  private rev = 0;
  private readonly rows = new Map<number, { fp: string; row: DashTrial }>();
  private readonly spans = new Map<string, SpanEntry>();
  /** Open span per trial: key into `spans`. */
  private readonly open = new Map<number, string>();
  private readonly workersSeen = new Map<string, DashWorker>();
  private workersFp = "";
  private studyFp = "";
  private lastRewarded = 0;
  private accepted = 0;
  private judged = 0;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: FeedOptions) {
    this.now = opts.now ?? Date.now;
    this.lastRewarded = opts.controller.study.state.rewarded.length;
    this.tick();
  }

  get revision(): number {
    return this.rev;
  }

  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /**
   * The study changed (called after every durable change): the acceptance check is O(1) and runs
   * now; the O(trials) row refresh is coalesced (at most one per `coalesceMs`).
   */
  changed(coalesceMs = 200): void {
    this.noteAcceptance();
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, coalesceMs);
    this.timer.unref?.();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** Recomputes the rows; tells listeners when anything changed. */
  tick(): void {
    const before = this.rev;
    const state = this.opts.controller.study.state;
    this.noteAcceptance();
    for (const t of state.trials) {
      const fp = fingerprint(t);
      const known = this.rows.get(t.id);
      if (known && known.fp === fp) continue;
      const rev = ++this.rev;
      this.rows.set(t.id, { fp, row: dashTrial(this.opts.space, t, this.opts.costOf(t), rev) });
      this.followSpan(t, known?.row, rev);
    }
    const workers = this.workerRows();
    const wfp = JSON.stringify(
      workers.map((w) => [w.workerId, w.connected, w.trialId, w.epoch, w.metric, w.backend]),
    );
    if (wfp !== this.workersFp) {
      this.workersFp = wfp;
      this.rev++;
    }
    const sfp = `${state.completed}|${state.failed}|${state.leased}|${state.queue.length}|${this.opts.controller.finished}`;
    if (sfp !== this.studyFp) {
      this.studyFp = sfp;
      this.rev++;
    }
    if (this.rev !== before) for (const f of this.listeners) f();
  }

  study(): DashStudy {
    const c = this.opts.controller;
    const s = c.study.state;
    const now = this.now();
    const finished = s.trials
      .filter((t) => t.finishedAt !== undefined && !t.imported)
      .map((t) => t.finishedAt as number);
    const remaining = s.settings.searchSteps - (s.completed - s.imported);
    const { etaMs, perHour } = etaOf(finished, remaining, now);
    const recent = s.rewarded.slice(-256).map((id) => s.trials[id - 1]?.reward ?? 0);
    return {
      studyId: s.studyId,
      space: {
        name: this.opts.space.name,
        tokenNames: this.opts.space.tokenNames,
        rangeTable: this.opts.space.rangeTable,
      },
      strategy: strategySummary(
        s.settings.strategy,
        s.strategyState,
        recent,
        this.judged > 0 ? this.accepted / this.judged : null,
      ),
      budget: s.settings.searchSteps,
      completed: s.completed - s.imported,
      failed: s.failed,
      running: s.leased,
      queued: s.queue.length,
      imported: s.imported,
      best: s.best ? { trialId: s.best.trialId, reward: s.best.reward } : null,
      startedAt: c.startedAt,
      now,
      elapsedMs: now - c.startedAt,
      etaMs: c.finished !== undefined ? 0 : etaMs,
      trialsPerHour: perHour,
      finished: c.finished ?? null,
      epochs: this.opts.epochs,
    };
  }

  trials(after = 0): DashTrial[] {
    const out: DashTrial[] = [];
    for (const { row } of this.rows.values()) if (row.rev > after) out.push(row);
    return out.sort((a, b) => a.id - b.id);
  }

  trial(id: number): DashTrial | undefined {
    return this.rows.get(id)?.row;
  }

  workers(): DashWorker[] {
    return this.workerRows();
  }

  timeline(after = 0): DashSpan[] {
    const out: DashSpan[] = [];
    // Running spans grow with the clock (drawn up to "now"): always sent.
    for (const e of this.spans.values()) if (e.rev > after || e.span.end === null) out.push(e.span);
    return out;
  }

  snapshot(): DashSnapshot & { rev: number } {
    return {
      rev: this.rev,
      study: this.study(),
      trials: this.trials(0),
      workers: this.workers(),
      spans: this.timeline(0),
    };
  }

  update(after: number): DashUpdate {
    return {
      rev: this.rev,
      study: this.study(),
      trials: this.trials(after),
      workers: this.workers(),
      spans: this.timeline(after),
    };
  }

  private workerRows(): DashWorker[] {
    const snap = this.opts.controller.snapshot(0);
    const live = new Set<string>();
    for (const w of snap.workers) {
      live.add(w.workerId);
      this.workersSeen.set(w.workerId, {
        workerId: w.workerId,
        connected: true,
        backend: w.capabilities.backend ?? null,
        device: w.capabilities.device ?? null,
        host: w.capabilities.hostname ?? null,
        trialId: w.trialId,
        epoch: w.epoch,
        metric: w.metric ?? null,
        connectedAt: w.connectedAt,
        lastSeenAt: w.lastSeenAt,
      });
    }
    for (const [id, w] of this.workersSeen)
      if (!live.has(id) && w.connected)
        this.workersSeen.set(id, { ...w, connected: false, trialId: null, epoch: null, metric: null });
    return [...this.workersSeen.values()].sort((a, b) => a.workerId.localeCompare(b.workerId));
  }

  /** One span per lease: opened when a trial is leased (again), closed by its outcome. */
  private followSpan(t: TrialRecord, prev: DashTrial | undefined, rev: number): void {
    const openKey = this.open.get(t.id);
    const openSpan = openKey ? this.spans.get(openKey) : undefined;
    const leasedNow = t.status === "leased" && t.worker !== undefined;
    const newLease =
      leasedNow && (!openSpan || openSpan.span.attempt !== t.attempts || openSpan.span.worker !== t.worker);
    if (openSpan && (newLease || t.status !== "leased")) {
      const outcome: DashSpan["outcome"] =
        t.status === "completed" && openSpan.span.worker === t.worker
          ? "completed"
          : t.status === "failed" && openSpan.span.worker === t.worker
            ? "failed"
            : "requeued";
      openSpan.span = { ...openSpan.span, end: t.finishedAt ?? this.now(), outcome };
      openSpan.rev = rev;
      this.open.delete(t.id);
    }
    if (newLease) {
      const key = `${t.id}/${t.attempts}/${t.worker}`;
      this.spans.set(key, {
        span: {
          trialId: t.id,
          worker: t.worker as string,
          start: t.leasedAt ?? this.now(),
          end: null,
          outcome: "running",
          attempt: t.attempts,
        },
        rev,
      });
      this.open.set(t.id, key);
    } else if (
      !prev &&
      !openSpan &&
      (t.status === "completed" || t.status === "failed") &&
      t.worker &&
      !t.imported
    ) {
      // Finished before this server started (resumed run): one span from the record.
      const start = t.startedAt ?? t.leasedAt ?? t.finishedAt ?? this.now();
      const key = `${t.id}/${t.attempts}/${t.worker}`;
      this.spans.set(key, {
        span: {
          trialId: t.id,
          worker: t.worker,
          start,
          end: t.finishedAt ?? start + (t.durationMs ?? 0),
          outcome: t.status,
          attempt: t.attempts,
        },
        rev,
      });
    }
  }

  /** For SA-like strategies: was each new reward accepted as the current point? */
  private noteAcceptance(): void {
    const s = this.opts.controller.study.state;
    if (s.rewarded.length === this.lastRewarded) return;
    const cur = currentTokensOf(s.strategyState);
    // Judged only when exactly one reward arrived since the last tick (else the order is unknown).
    if (cur !== null && s.rewarded.length === this.lastRewarded + 1) {
      const id = s.rewarded[s.rewarded.length - 1] as number;
      const t = s.trials[id - 1];
      if (t) {
        this.judged++;
        if (t.tokens.join(",") === cur) this.accepted++;
      }
    }
    this.lastRewarded = s.rewarded.length;
  }
}
