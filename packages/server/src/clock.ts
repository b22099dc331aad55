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
