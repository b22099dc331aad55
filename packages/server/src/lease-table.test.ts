import type { Clock } from "./clock";
import { FakeClock } from "./testing/fake-clock";
import { LeaseTable } from "./lease-table";

/** A clock whose single pending timer the test fires by hand, as late as it likes. */
class ManualClock implements Clock {
  t = 1_000_000;
  fire: (() => void) | null = null;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void): { cancel(): void } {
    this.fire = fn;
    return { cancel: () => (this.fire = null) };
  }
  runTimer(): void {
    const fn = this.fire;
    this.fire = null;
    fn?.();
  }
}

describe("LeaseTable", () => {
  it("reports a lease once, on the first sweep after its deadline", () => {
    const clock = new FakeClock();
    const expired: number[] = [];
    const table = new LeaseTable(clock, (id) => expired.push(id), 100);
    table.set(1, clock.now() + 250);
    table.set(2, clock.now() + 1000);
    clock.advance(200);
    expect(expired).toEqual([]);
    clock.advance(100);
    expect(expired).toEqual([1]);
    table.set(2, clock.now() + 1000); // renewed by a heartbeat
    clock.advance(900);
    expect(expired).toEqual([1]);
    clock.advance(200);
    expect(expired).toEqual([1, 2]);
    expect(clock.pendingTimers).toBe(0);
    table.close();
  });

  it("does not hold a frozen process's stall against the workers", () => {
    const clock = new ManualClock();
    const expired: number[] = [];
    const table = new LeaseTable(clock, (id) => expired.push(id), 1000);
    table.set(7, clock.now() + 5000);
    // The process stands still for 30 s (e.g. a disk stall under the journal's fsync).
    clock.t += 31_000;
    clock.runTimer();
    expect(expired).toEqual([]);
    expect(table.deadline(7)).toBe(1_000_000 + 5000 + 30_000);
    // Heartbeats read after the stall renew the lease as usual; a silent worker still expires.
    clock.t += 1000;
    clock.runTimer();
    expect(expired).toEqual([]);
    for (let i = 0; i < 3; i++) {
      clock.t += 1000;
      clock.runTimer();
    }
    expect(expired).toEqual([7]);
    table.close();
  });
});
