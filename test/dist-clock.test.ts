/**
 * Wall-clock steps with real processes (no faketime: a preloaded script moves Date.now() in a
 * process on SIGUSR2, see fixtures/clock-jump.js). Leases run on the monotonic clock: after the
 * server's clock steps an hour back, the lease of a worker that stopped (SIGSTOP: connected,
 * silent) still expires on time and its trial is re-issued; a worker whose clock steps back
 * keeps heartbeating, so its long trial keeps its lease.
 */
import * as path from "path";
import { killAll, quick, readJournal, startServer, startWorker, tmpRunDir } from "./dist-helpers";

jest.setTimeout(120_000);
afterEach(killAll);

const JUMP = path.join(__dirname, "fixtures", "clock-jump.js");
const jumping = (ms: number): Record<string, string> => ({
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JUMP}`.trim(),
  SEGNAS_TEST_CLOCK_JUMP_MS: String(ms),
});

describe("clock jumps (processes)", () => {
  it("server and worker clocks step an hour back mid-trial: leases expire on time and only for the silent worker", async () => {
    const runDir = tmpRunDir("clock");
    const N = 3;
    // Leases of 2 s, trials of 2 x 1.2 s: only heartbeats keep a lease.
    const overrides = quick(N, ["SEGNAS.LEASE_SECONDS", "2"]);
    const { proc: server, port } = await startServer(runDir, overrides, { env: jumping(-3_600_000) });
    const env = { SEGNAS_FAKE_EPOCH_MS: "1200" };
    const steady = startWorker("steady", port, runDir, overrides, { ...env, ...jumping(-3_600_000) });
    const frozen = startWorker("frozen", port, runDir, overrides, env);
    await Promise.all([steady.waitFor(/trial \d+: training/), frozen.waitFor(/trial \d+: training/)]);
    const held = Number((frozen.out() + frozen.err()).match(/trial (\d+): training/)?.[1]);
    frozen.kill("SIGSTOP");
    server.kill("SIGUSR2");
    steady.kill("SIGUSR2");
    await server.waitFor(/\[clock-jump\] Date\.now\(\) jumped by -3600000 ms/);
    await steady.waitFor(/\[clock-jump\] Date\.now\(\) jumped/);
    expect((await steady.exited).code).toBe(0);
    // (the server lingers while connections stay open: the frozen one never closes by itself)
    frozen.kill("SIGKILL");
    expect((await server.exited).code).toBe(0);
    const events = readJournal(runDir);
    const requeued = events.filter((e) => e.type === "trial-requeued");
    expect(requeued.map((e) => [e.trialId, e.reason])).toEqual([[held, "lease-expired"]]);
    const done = events.filter((e) => e.type === "trial-completed");
    expect(done).toHaveLength(N);
    expect(new Set(done.map((e) => e.trialId)).size).toBe(N);
    expect(done.find((e) => e.trialId === held)?.worker).not.toMatch(/frozen/);
  });
});
