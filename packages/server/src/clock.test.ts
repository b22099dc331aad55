import { systemClock } from "./clock";
import { FakeClock } from "./testing/fake-clock";
import { LeaseTable } from "./lease-table";

describe("clocks", () => {
  afterEach(() => jest.restoreAllMocks());

  it("systemClock is monotonic: a wall-clock step either way does not move it", () => {
    const before = systemClock.now();
    expect(Math.abs(before - Date.now())).toBeLessThan(60_000);
    const real = Date.now.bind(Date);
    for (const step of [3_600_000, -3_600_000, -86_400_000 * 365]) {
      jest.spyOn(Date, "now").mockImplementation(() => real() + step);
      const t = systemClock.now();
      expect(t - before).toBeGreaterThanOrEqual(0);
      expect(t - before).toBeLessThan(10_000);
      jest.restoreAllMocks();
    }
  });

  it("leases on a monotonic clock: a lease renewed in time never expires, one left alone does once", () => {
    const clock = new FakeClock();
    const expired: number[] = [];
    const leases = new LeaseTable(clock, (id) => expired.push(id), 100);
    leases.set(1, clock.now() + 1000);
    leases.set(2, clock.now() + 1000);
    // Trial 1 heartbeats every 400 ms for 10 s; trial 2 goes quiet.
    for (let t = 0; t < 10_000; t += 400) {
      clock.advance(400);
      leases.set(1, clock.now() + 1000);
    }
    expect(expired).toEqual([2]);
    leases.close();
  });
});
