/**
 * Time as the server sees it. Lease deadlines and sweeps go through a Clock so tests can drive
 * them with a fake one instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch, never going backwards (see systemClock). */
  now(): number;
  /** Runs `fn` once after `ms` (unref'd: a pending timer never keeps the process alive). */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/**
 * The real clock, monotonic: milliseconds since the epoch as of process start, advanced by the
 * monotonic clock (performance.now). A wall-clock step (NTP correction, a VM resumed, someone
 * setting the date) does not move it, so it can neither expire every lease at once nor keep
 * one alive for an hour. Journaled times drift from the wall clock only by what the system
 * clock was stepped by while this process ran.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when told to; timers fire in deadline order during `advance`. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return { cancel: () => void this.timers.delete(id) };
  }

  /** Moves time forward by `ms`, firing every timer that comes due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
