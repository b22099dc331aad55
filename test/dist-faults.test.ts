/**
 * Crashes with real processes: a worker killed mid-trial (its trial is handed out again and
 * completes) and a server killed mid-search (the restarted server resumes from its journal, the
 * workers reconnect, nothing is lost or counted twice); and kill -9 of workers and the server at
 * seeded random moments, each restarted (SEGNAS_CHAOS_SEED picks another schedule; a failure
 * names the seed).
 */
import {
  readTrials,
  freePort,
  killAll,
  quick,
  readJournal,
  sleep,
  startServer,
  startWorker,
  tmpRunDir,
  until,
} from "./dist-helpers";

jest.setTimeout(120_000);
afterEach(killAll);

describe("faults (processes)", () => {
  it("kill -9 of a worker mid-trial: its trial is handed out again and completes", async () => {
    const runDir = tmpRunDir("killworker");
    // A long lease: the trial must come back through the short grace after the connection drops.
    const overrides = quick(3, ["SEGNAS.LEASE_SECONDS", "60"]);
    const { proc: server, port } = await startServer(runDir, overrides);
    const doomed = startWorker("doomed", port, runDir, overrides, { SEGNAS_FAKE_EPOCH_MS: "5000" });
    const m = await doomed.waitFor(/trial (\d+): training/);
    const lost = Number(m[1]);
    doomed.kill("SIGKILL");
    await doomed.exited;

    const rescuer = startWorker("rescuer", port, runDir, overrides);
    expect((await rescuer.exited).code).toBe(0);
    expect((await server.exited).code).toBe(0);

    const events = readJournal(runDir);
    const requeued = events.filter((e) => e.type === "trial-requeued");
    expect(requeued.map((e) => [e.trialId, e.reason])).toEqual([[lost, "lease-expired"]]);
    const completed = events.filter((e) => e.type === "trial-completed");
    expect(completed).toHaveLength(3);
    expect(completed.map((e) => e.trialId)).toContain(lost);
    const leases = events.filter((e) => e.type === "trial-leased" && e.trialId === lost);
    expect(leases.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it("kill -9 of the server mid-search: the restart resumes, workers reconnect, nothing lost or counted twice", async () => {
    const runDir = tmpRunDir("killserver");
    const N = 8;
    const port = await freePort();
    const overrides = quick(N);
    const first = await startServer(runDir, overrides, { port, name: "server-1" });
    const env = { SEGNAS_FAKE_EPOCH_MS: "250" };
    const workers = [
      startWorker("w1", port, runDir, overrides, env),
      startWorker("w2", port, runDir, overrides, env),
    ];
    await until(
      "two rewards",
      () => readJournal(runDir).filter((e) => e.type === "trial-completed").length >= 2,
      60_000,
      100,
    );
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const before = readJournal(runDir).filter((e) => e.type === "trial-completed").length;
    expect(before).toBeLessThan(N);
    await sleep(800); // the workers notice and start retrying

    const second = await startServer(runDir, overrides, { port, name: "server-2" });
    expect(second.proc.out()).toMatch(new RegExp(`resumed at ${before}/${N} steps`));
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes.map((c) => c.code)).toEqual([0, 0]);
    expect((await second.proc.exited).code).toBe(0);
    expect(workers.map((w) => w.err()).join("")).toMatch(/lost the server/);

    const events = readJournal(runDir);
    const completed = events.filter((e) => e.type === "trial-completed").map((e) => e.trialId);
    expect(completed).toHaveLength(N);
    expect(new Set(completed).size).toBe(N);
    // No trial was proposed beyond what the search needed: the trials running at the crash stayed
    // leased to their workers and were finished by them (or handed back to them on their next ask).
    const proposed = events.filter((e) => e.type === "trial-proposed").map((e) => e.trialId);
    expect(proposed).toHaveLength(N);
    expect(completed.every((id) => proposed.includes(id))).toBe(true);
  });

  it("kill -9 of workers and the server at seeded random moments, each restarted: exactly N results", async () => {
    const seed = Number(process.env.SEGNAS_CHAOS_SEED ?? 20261204);
    // mulberry32: the schedule of kills is a function of the seed alone
    let a = seed >>> 0;
    const rand = (): number => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const runDir = tmpRunDir("chaos");
    const N = 10;
    const port = await freePort();
    const overrides = quick(N, ["SEGNAS.LEASE_SECONDS", "2"]);
    const env = { SEGNAS_FAKE_EPOCH_MS: "150" };
    let server = (await startServer(runDir, overrides, { port, name: "server-0" })).proc;
    const workers = [0, 1, 2].map((i) => startWorker(`w${i}-0`, port, runDir, overrides, env));
    const kills: string[] = [];
    const completed = (): number => readJournal(runDir).filter((e) => e.type === "trial-completed").length;
    for (let round = 1; round <= 4 && completed() < N - 2; round++) {
      await sleep(300 + Math.floor(rand() * 900));
      const victim = Math.floor(rand() * 4); // 0: the server, 1..3: a worker
      if (victim === 0) {
        server.kill("SIGKILL");
        await server.exited;
        kills.push(`server@${completed()}`);
        server = (await startServer(runDir, overrides, { port, name: `server-${round}` })).proc;
      } else {
        const w = workers[victim - 1] as (typeof workers)[number];
        w.kill("SIGKILL");
        await w.exited;
        kills.push(`w${victim - 1}@${completed()}`);
        workers[victim - 1] = startWorker(`w${victim - 1}-${round}`, port, runDir, overrides, env);
      }
    }
    const why = `seed ${seed}, kills ${kills.join(" ")}`;
    if (process.env.SEGNAS_CHAOS_VERBOSE) console.log(why);
    expect({ why, code: (await server.exited).code }).toEqual({ why, code: 0 });
    // A worker restarted just before the end may find no server any more: it gives up (exit 4,
    // "could not reach the server"), never exits otherwise; one still trying is stopped here.
    for (const w of workers) {
      const ended = await Promise.race([w.exited, sleep(3000).then(() => null)]);
      if (ended === null) {
        w.kill("SIGKILL");
        continue;
      }
      if (ended.code !== 0)
        expect({ why, code: ended.code, err: w.err() }).toMatchObject({
          why,
          code: 4,
          err: expect.stringMatching(/could not reach the server/),
        });
    }
    const events = readJournal(runDir);
    const done = events.filter((e) => e.type === "trial-completed").map((e) => e.trialId);
    expect({ why, n: done.length, distinct: new Set(done).size }).toEqual({ why, n: N, distinct: N });
    const proposed = events.filter((e) => e.type === "trial-proposed").map((e) => e.trialId);
    expect(new Set(proposed).size).toBe(proposed.length);
    // The trial table agrees with the journal.
    const table = readTrials(runDir).filter((t) => t.status === "completed");
    expect(table.map((t) => t.trial).sort()).toEqual([...done].sort());
  });
});
