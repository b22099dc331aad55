/**
 * A real network: the controller and the workers on separate hosts (network namespaces joined
 * by veth pairs; loss and partitions by nftables, latency by tc netem or, on kernels without
 * it, a delaying relay: see netns.ts), fake trainer. Latency with loss, a partition of one
 * worker longer than its lease then heal, and a worker host that vanishes without a FIN. In
 * every case: trials keep flowing, an expired lease is re-issued, a rejoined worker's result is
 * counted once, and the journal has exactly N results. (bench/chaos.js runs the long versions.)
 */
import {
  killAll,
  quick,
  readJournal,
  segnas,
  serverArgs,
  sleep,
  tmpRunDir,
  DEMO_CFG,
  type JournalEvent,
  type Proc,
} from "./dist-helpers";
import { hostsOrSkip, type Hosts } from "./netns";

jest.setTimeout(120_000);
let hosts: Hosts | null = null;
afterEach(async () => {
  await killAll();
  hosts?.destroy();
  hosts = null;
});

const SECRET = { SEGNAS_SECRET: "netns-test" };
const PORT = 23555;

function overrides(steps: number, lease = 2): string[] {
  return quick(steps, ["SEGNAS.LEASE_SECONDS", String(lease), "SEGNAS.CONNECT_RETRY_SECONDS", "60"]);
}

async function serverOn(h: Hosts, runDir: string, o: string[]): Promise<Proc> {
  const p = segnas("server", serverArgs(runDir, PORT, o, "0.0.0.0"), SECRET, { netns: h.controller });
  await p.waitFor(/listening on 0\.0\.0\.0:\d+/);
  return p;
}

function workerOn(h: Hosts, i: number, o: string[], epochMs: number): Proc {
  const args = [
    "worker",
    "--cfg",
    DEMO_CFG,
    "--address",
    h.controllerAddress(i, PORT),
    "--run-dir",
    tmpRunDir(`netns-w${i}`),
    ...o,
  ];
  return segnas(`w${i}`, args, { ...SECRET, SEGNAS_FAKE_EPOCH_MS: String(epochMs) }, { netns: h.worker(i) });
}

/** Exactly `n` results, for `n` distinct trials, each proposed once. */
function expectExactly(events: JournalEvent[], n: number): void {
  const done = events.filter((e) => e.type === "trial-completed").map((e) => e.trialId);
  expect(done).toHaveLength(n);
  expect(new Set(done).size).toBe(n);
  const proposed = events.filter((e) => e.type === "trial-proposed").map((e) => e.trialId);
  expect(new Set(proposed).size).toBe(proposed.length);
  expect(done.every((id) => proposed.includes(id))).toBe(true);
}

describe("a real network (namespaces, veth, netem)", () => {
  it("100 ms latency and 5% loss on every link: N results, none lost or doubled", async () => {
    hosts = hostsOrSkip(3, "the network-namespace tests");
    if (!hosts) return;
    const h = hosts;
    for (const i of [1, 2, 3]) await h.shape(i, { delayMs: 100, lossPct: 5 }, PORT);
    const runDir = tmpRunDir("netns-lossy");
    const N = 6;
    const o = overrides(N, 5);
    const server = await serverOn(h, runDir, o);
    const workers = [1, 2, 3].map((i) => workerOn(h, i, o, 100));
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes.map((c) => c.code)).toEqual([0, 0, 0]);
    expect((await server.exited).code).toBe(0);
    expectExactly(readJournal(runDir), N);
  });

  it("one worker partitioned past its lease, then healed: its trial is re-issued, its late result counts once", async () => {
    hosts = hostsOrSkip(2, "the network-namespace tests");
    if (!hosts) return;
    const h = hosts;
    const runDir = tmpRunDir("netns-partition");
    const N = 5;
    const o = overrides(N, 2);
    const server = await serverOn(h, runDir, o);
    const cut = workerOn(h, 1, o, 1200);
    const m = await cut.waitFor(/trial (\d+): training/);
    const held = Number(m[1]);
    h.partition(1);
    const other = workerOn(h, 2, o, 300);
    // The lease (2 s) runs out during the partition and the trial goes to the other worker.
    await server.waitFor(new RegExp(`lease of trial ${held} expired`), 30_000);
    await other.waitFor(new RegExp(`trial ${held}: training`), 30_000);
    await sleep(1500);
    h.heal(1);
    const codes = await Promise.all([cut.exited, other.exited]);
    expect(codes.map((c) => c.code)).toEqual([0, 0]);
    expect((await server.exited).code).toBe(0);
    const events = readJournal(runDir);
    expectExactly(events, N);
    expect(
      events.filter((e) => e.type === "trial-requeued").map((e) => [e.trialId, e.reason]),
    ).toContainEqual([held, "lease-expired"]);
    expect(
      events.filter((e) => e.type === "trial-leased" && e.trialId === held).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("a worker host that vanishes without a FIN: its lease expires, the trial is re-issued, N results", async () => {
    hosts = hostsOrSkip(2, "the network-namespace tests");
    if (!hosts) return;
    const h = hosts;
    const runDir = tmpRunDir("netns-vanish");
    const N = 4;
    const o = overrides(N, 2);
    const server = await serverOn(h, runDir, o);
    const doomed = workerOn(h, 1, o, 3000);
    const m = await doomed.waitFor(/trial (\d+): training/);
    const held = Number(m[1]);
    // The link goes first, then the host: nothing (no FIN, no RST) ever reaches the controller.
    h.cut(1);
    doomed.kill("SIGKILL");
    await doomed.exited;
    const other = workerOn(h, 2, o, 100);
    expect((await other.exited).code).toBe(0);
    expect((await server.exited).code).toBe(0);
    const events = readJournal(runDir);
    expectExactly(events, N);
    expect(events.filter((e) => e.type === "trial-requeued").map((e) => [e.trialId, e.reason])).toEqual([
      [held, "lease-expired"],
    ]);
  });
});
