/** The page's copy of the study: merged from a snapshot (report) or pushed updates (live). */
import type { DashSnapshot, DashSpan, DashStudy, DashTrial, DashUpdate, DashWorker } from "../model";

export class Store {
  study: DashStudy | null = null;
  /** When `study` arrived (this browser's clock): elapsed time runs on between updates. */
  studyAt = 0;
  readonly trials = new Map<number, DashTrial>();
  workers: DashWorker[] = [];
  readonly spans = new Map<string, DashSpan>();
  rev = 0;
  /** Bumped whenever the trial set changes, so views can skip work when nothing did. */
  trialsVersion = 0;
  private readonly listeners = new Set<() => void>();
  private list: DashTrial[] | null = null;

  load(s: DashSnapshot): void {
    this.study = s.study;
    this.studyAt = Date.now();
    for (const t of s.trials) this.trials.set(t.id, t);
    this.workers = [...s.workers];
    for (const sp of s.spans) this.spans.set(spanKey(sp), sp);
    this.changed(true);
  }

  apply(u: DashUpdate): void {
    this.rev = Math.max(this.rev, u.rev);
    this.study = u.study;
    this.studyAt = Date.now();
    this.workers = [...u.workers];
    for (const t of u.trials) {
      const old = this.trials.get(t.id);
      if (!old || old.rev <= t.rev) this.trials.set(t.id, t);
    }
    for (const sp of u.spans) this.spans.set(spanKey(sp), sp);
    this.changed(u.trials.length > 0);
  }

  /** All trials, by id. */
  all(): DashTrial[] {
    this.list ??= [...this.trials.values()].sort((a, b) => a.id - b.id);
    return this.list;
  }

  subscribe(f: () => void): void {
    this.listeners.add(f);
  }

  private changed(trials: boolean): void {
    if (trials) {
      this.list = null;
      this.trialsVersion++;
    }
    for (const f of this.listeners) f();
  }
}

function spanKey(s: DashSpan): string {
  return `${s.trialId}/${s.attempt}/${s.worker}`;
}
