import { PassThrough } from "node:stream";
import type { StatusSnapshot } from "@segnas/protocol";
import {
  formatDuration,
  LocalWorkerState,
  liveStatusFor,
  renderStatus,
  SearchPace,
  StatusBlock,
  stateFromSnapshot,
  TrialClock,
  type LiveState,
} from "./live-status";

const base: LiveState = {
  title: "segnas train · runs/x",
  completed: 3,
  budget: 6,
  running: 2,
  failed: 1,
  best: { trialId: 2, reward: 0.41234 },
  elapsedMs: 65_000,
  etaMs: 130_000,
  workers: [
    { name: "host:1", trialId: 4, epoch: 1, epochs: 4, etaMs: 30_000, metric: 0.2, backend: "wasm" },
    { name: "host:2", trialId: null, epoch: null, epochs: 4, etaMs: null },
  ],
};

describe("renderStatus", () => {
  it("shows progress against the budget, best so far, elapsed, ETA and one line per worker", () => {
    const lines = renderStatus(base, 120);
    expect(lines[0]).toMatch(/^── segnas train · runs\/x ─+$/);
    expect(lines[1]).toBe(
      " trials [##########..........] 3/6  running 2  failed 1  best 0.4123 (trial 2)  elapsed 1m05s  ETA 2m10s",
    );
    expect(lines[2]).toBe(" host:1  trial 4     epoch 1/4 [###.......]  ETA 30s  mIoU 0.2000  wasm");
    expect(lines[3]).toBe(" host:2  idle");
    expect(lines).toHaveLength(4);
  });

  it("clips every line to the terminal width (a wrapped line would break the redraw)", () => {
    for (const cols of [20, 40, 80]) {
      for (const l of renderStatus(base, cols)) expect(l.length).toBeLessThanOrEqual(cols - 1);
    }
  });

  it("without a budget, best or ETA, says so instead of inventing numbers", () => {
    const lines = renderStatus(
      { ...base, budget: null, best: null, etaMs: null, workers: [], note: "no worker connected yet" },
      100,
    );
    expect(lines[1]).toBe(" trials 3 done  running 2  failed 1  best -  elapsed 1m05s  ETA -");
    expect(lines[2]).toBe(" no worker connected yet");
  });

  it("formats durations", () => {
    expect([
      formatDuration(0),
      formatDuration(42_400),
      formatDuration(185_000),
      formatDuration(3_720_000),
    ]).toEqual(["0s", "42s", "3m05s", "1h02m"]);
  });
});

describe("ETA", () => {
  it("of a trial from its pace per epoch, reset when the worker starts another trial", () => {
    const c = new TrialClock();
    expect(c.eta("w", 1, 0, 4, 1000)).toBeNull();
    expect(c.eta("w", 1, 1, 4, 11_000)).toBe(30_000);
    expect(c.eta("w", 2, 0, 4, 12_000)).toBeNull();
    expect(c.eta("w", 2, 2, 4, 32_000)).toBe(20_000);
  });

  it("of the search from this session's trials per second", () => {
    const p = new SearchPace();
    expect(p.eta(2, 10, 0)).toBeNull();
    expect(p.eta(4, 10, 60_000)).toBe(180_000);
  });

  it("a controller snapshot becomes block state", () => {
    const snap = {
      study: { studyId: "s", space: "MobileNetV2SpaceSeg", strategy: "sa", searchSteps: 5 },
      startedAt: 0,
      now: 10_000,
      completed: 1,
      failed: 0,
      running: 1,
      queued: 0,
      done: false,
      best: { trialId: 1, tokens: [], reward: 0.3 },
      workers: [
        {
          workerId: "a",
          sessionId: "x",
          capabilities: { backend: "wasm", device: "cpu" },
          connectedAt: 0,
          lastSeenAt: 0,
          trialId: 2,
          epoch: 0,
          metric: 0.1,
        },
      ],
      recent: [],
    } as unknown as StatusSnapshot;
    const st = stateFromSnapshot(snap, {
      title: "t",
      epochs: 3,
      clock: new TrialClock(),
      pace: new SearchPace(),
      since: 4_000,
    });
    expect(st).toMatchObject({ completed: 1, budget: 5, running: 1, elapsedMs: 6_000, best: { trialId: 1 } });
    expect(st.workers[0]).toMatchObject({ name: "a", trialId: 2, epoch: 0, epochs: 3, backend: "wasm" });
  });

  it("a bare worker's own trials", () => {
    const w = new LocalWorkerState();
    w.started(7, 4, 0);
    w.epoch = 2;
    const s = w.state("t", "me", 0, 10_000);
    expect(s.workers[0]).toMatchObject({ trialId: 7, epoch: 2, epochs: 4, etaMs: 10_000 });
    w.noteRecord({ epoch: 3, step: 10, etaSeconds: 42 }, 20_000);
    expect(w.state("t", "me", 0, 22_000).workers[0]?.etaMs).toBe(40_000);
    w.finished("completed", 0.5);
    expect(w.state("t", "me", 0, 10_000)).toMatchObject({
      completed: 1,
      running: 0,
      best: { trialId: 7, reward: 0.5 },
    });
  });
});

describe("StatusBlock", () => {
  it("writes log lines above the block: erase, line, redraw; stop() erases it", () => {
    const tty = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
    (tty as { columns: number }).columns = 100;
    const logs = new PassThrough();
    let text = "";
    tty.on("data", (d: Buffer) => (text += d.toString()));
    let logText = "";
    logs.on("data", (d: Buffer) => (logText += d.toString()));
    const block = new StatusBlock({ stream: tty, logStream: logs, intervalMs: 60_000 });
    block.start(() => base);
    expect(text).toBe(`${renderStatus(base, 100).join("\n")}\n`);
    text = "";
    block.out("a log line\n");
    expect(logText).toBe("a log line\n");
    expect(text.startsWith("\x1b[4A\r\x1b[J")).toBe(true);
    expect(text.endsWith(`${renderStatus(base, 100).join("\n")}\n`)).toBe(true);
    text = "";
    block.stop();
    expect(text).toBe("\x1b[4A\r\x1b[J");
    block.out("after\n");
    expect(text).toBe("\x1b[4A\r\x1b[J");
  });

  it("is off for --json, SEGNAS_LOG_FORMAT=json and SEGNAS_NO_STATUS=1", () => {
    expect(liveStatusFor({ json: true })).toBeNull();
    expect(liveStatusFor({}, { SEGNAS_LOG_FORMAT: "json" })).toBeNull();
    expect(liveStatusFor({}, { SEGNAS_NO_STATUS: "1" })).toBeNull();
  });
});
