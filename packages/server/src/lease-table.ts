/**
 * Lease deadlines of running trials. Deadlines are the server's business (not the study's):
 * they are wall-clock promises to a live worker, renewed by its heartbeats, and restarted in full
 * when a server resumes (the workers get time to reconnect). One sweep timer runs while any
 * lease exists; an expired lease is reported through `onExpire` exactly once.
 */
import type { Clock, TimerHandle } from "./clock";

/** A sweep later than this means the process was frozen, not that workers went quiet. */
const FROZEN_MS = 2000;

export class LeaseTable {
  private readonly deadlines = new Map<number, number>();
  private timer: TimerHandle | null = null;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (trialId: number) => void,
    /** How often to look for expired leases (bounds how late an expiry is noticed). */
    private readonly sweepMs: number,
  ) {}

  get size(): number {
    return this.deadlines.size;
  }

  /** Sets (or renews) a lease to end at `deadline` (ms since the epoch). */
  set(trialId: number, deadline: number): void {
    this.deadlines.set(trialId, deadline);
    this.arm();
  }

  /** Moves a deadline earlier (never later), e.g. when the worker's connection drops. */
  shorten(trialId: number, deadline: number): void {
    const d = this.deadlines.get(trialId);
    if (d !== undefined && deadline < d) this.deadlines.set(trialId, deadline);
  }

  deadline(trialId: number): number | undefined {
    return this.deadlines.get(trialId);
  }

  delete(trialId: number): void {
    this.deadlines.delete(trialId);
  }

  /** Reports every lease past its deadline now (also called by the sweep timer). */
  sweep(): void {
    const now = this.clock.now();
    const expired: number[] = [];
    for (const [id, d] of this.deadlines) if (d <= now) expired.push(id);
    for (const id of expired) {
      this.deadlines.delete(id);
      this.onExpire(id);
    }
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    this.deadlines.clear();
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    const due = this.clock.now() + this.sweepMs;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      // A sweep this late means the whole process stood still (a stalled disk under the
      // journal's fsync, a suspended VM or process): the heartbeats that renew these leases may
      // be sitting unread in socket buffers, so the stall is not held against the workers.
      const late = this.clock.now() - due;
      if (late > FROZEN_MS) for (const [id, d] of this.deadlines) this.deadlines.set(id, d + late);
      else this.sweep();
      if (this.deadlines.size > 0) this.arm();
    }, this.sweepMs);
  }
}
