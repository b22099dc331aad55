import { getSpace, type StudyEvent } from "@segnas/core";
import { MemoryJournalStore } from "@segnas/journal";
import {
  MessageChannel,
  PROTOCOL_VERSION,
  RemoteError,
  clientHandshake,
  createDuplexPair,
  type Capabilities,
  type TellMessage,
} from "@segnas/protocol";
import pino from "pino";
import { FakeClock } from "./testing/fake-clock";
import { Controller, type ControllerOptions } from "./controller";
import { openStudy, type OpenedStudy } from "./open-study";
import { SearchServer } from "./search-server";
import { testStrategies } from "./testing/test-strategies";

const log = pino({ level: "silent" });
const space = getSpace("MobileNetV2SpaceSeg");
const caps: Capabilities = { backend: "fake", device: "test", hostname: "test", pid: 1, segnasVersion: "0" };

interface Stack {
  server: SearchServer;
  controller: Controller;
  clock: FakeClock;
  store: MemoryJournalStore;
  close(): Promise<void>;
}

async function stack(
  options: { steps?: number; secret?: string; store?: MemoryJournalStore; leaseMs?: number } = {},
): Promise<Stack> {
  const clock = new FakeClock();
  const store = options.store ?? new MemoryJournalStore();
  const opened = await openStudy({
    runDir: null,
    memoryStore: store,
    space,
    settings: {
      space: space.name,
      strategy: "random-test",
      seed: 1,
      searchSteps: options.steps ?? 4,
      maxFailures: 5,
    },
    strategies: testStrategies,
    logger: log,
    fsync: false,
    now: () => clock.now(),
  });
  const controller = new Controller({
    study: opened.study,
    journal: opened.journal,
    logger: log,
    leaseMs: options.leaseMs ?? 10_000,
    heartbeatMs: 1000,
    budget: { epochs: 2 },
    clock,
    maxAskHoldMs: 50,
  });
  const server = new SearchServer({
    controller,
    logger: log,
    heartbeatSeconds: 1,
    leaseSeconds: (options.leaseMs ?? 10_000) / 1000,
    ...(options.secret ? { secret: options.secret } : {}),
  });
  return {
    server,
    controller,
    clock,
    store,
    async close() {
      await server.close();
      await opened.journal.close();
    },
  };
}

async function client(s: Stack, workerId: string, secret?: string): Promise<MessageChannel> {
  const [a, b] = createDuplexPair();
  s.server.attach(a);
  const ch = new MessageChannel(b, { requestTimeoutMs: 5000 });
  await clientHandshake(ch, { workerId, capabilities: caps, ...(secret ? { secret } : {}) });
  return ch;
}

async function askTrial(ch: MessageChannel): Promise<number> {
  const r = await ch.request({ type: "ask" });
  if (r.type !== "trial") throw new Error(`expected a trial, got ${r.type}`);
  return r.trialId;
}

const tell = (trialId: number, reward: number): TellMessage => ({
  type: "tell",
  trialId,
  reward,
  metrics: { miou: reward },
  curve: [reward],
  durationMs: 5,
});

/** A fresh in-memory study, for tests that build their own Controller around its journal. */
function openMemoryStudy(searchSteps: number): ReturnType<typeof openStudy> {
  return openStudy({
    runDir: null,
    space,
    settings: { space: space.name, strategy: "random-test", seed: 1, searchSteps, maxFailures: 5 },
    strategies: testStrategies,
    logger: log,
    fsync: false,
  });
}

/** A controller around an opened study (1-epoch budget, fake clock), with `more` options. */
function controllerOf(opened: OpenedStudy, more: Partial<ControllerOptions> = {}): Controller {
  return new Controller({
    study: opened.study,
    journal: opened.journal,
    logger: log,
    leaseMs: 10_000,
    heartbeatMs: 1000,
    budget: { epochs: 1 },
    clock: new FakeClock(),
    ...more,
  });
}

describe("Controller over in-memory connections", () => {
  it("hands out trials, acks results once, and says done after exactly searchSteps rewards", async () => {
    const s = await stack({ steps: 3 });
    const [a, b, c] = [await client(s, "a"), await client(s, "b"), await client(s, "c")];
    const t1 = await askTrial(a);
    const t2 = await askTrial(b);
    expect(t1).not.toBe(t2);
    expect(await a.request(tell(t1, 0.5))).toMatchObject({ type: "ack", duplicate: false });
    expect(await a.request(tell(t1, 0.9))).toMatchObject({ type: "ack", duplicate: true });
    const t3 = await askTrial(a);
    // Only 3 steps: a 4th ask is held while the last two run, and hears "done" when they end.
    const waiting = c.request({ type: "ask" });
    await b.request(tell(t2, 0.2));
    await a.request(tell(t3, 0.7));
    expect(await waiting).toMatchObject({ type: "done" });
    expect(await a.request({ type: "ask" })).toMatchObject({
      type: "done",
      best: { trialId: t3, reward: 0.7 },
    });
    expect(s.controller.study.state.completed).toBe(3);
    const snap = await a.request({ type: "status" });
    expect(snap.type === "snapshot" && snap.snapshot).toMatchObject({ completed: 3, done: true, running: 0 });
    await s.close();
  });

  it("status shows the backend a heartbeat names (a worker may have said auto at hello)", async () => {
    const s = await stack();
    const a = await client(s, "a");
    const t = await askTrial(a);
    await a.request({ type: "heartbeat", trialId: t, epoch: 1, metric: 0.2, backend: "wasm" });
    const snap = await a.request({ type: "status" });
    expect(snap.type === "snapshot" && snap.snapshot.workers[0]?.capabilities.backend).toBe("wasm");
    await s.close();
  });

  it("a parked ask is answered at once when the search finishes", async () => {
    const s = await stack({ steps: 1 });
    const [a, b] = [await client(s, "a"), await client(s, "b")];
    const t = await askTrial(a);
    const parked = b.request({ type: "ask" });
    await a.request(tell(t, 0.3));
    expect(await parked).toMatchObject({ type: "done" });
    await s.close();
  });

  it("an expired lease requeues the trial; another worker gets it; the late first result counts once", async () => {
    const s = await stack({ steps: 2, leaseMs: 2000 });
    const [a, b] = [await client(s, "a"), await client(s, "b")];
    const t = await askTrial(a);
    s.clock.advance(1500);
    expect(await a.request({ type: "heartbeat", trialId: t, epoch: 1, metric: 0.1 })).toMatchObject({
      type: "continue",
    });
    s.clock.advance(1500); // renewed by the heartbeat: still leased
    expect(s.controller.study.trial(t)?.status).toBe("leased");
    s.clock.advance(1000);
    expect(s.controller.study.trial(t)?.status).toBe("queued");
    expect(await askTrial(b)).toBe(t);
    expect(await a.request({ type: "heartbeat", trialId: t, epoch: 2 })).toMatchObject({ type: "stop" });
    expect(await b.request(tell(t, 0.4))).toMatchObject({ duplicate: false });
    expect(await a.request(tell(t, 0.6))).toMatchObject({ duplicate: true });
    expect(s.controller.study.trial(t)).toMatchObject({ reward: 0.4, attempts: 2 });
    await s.close();
  });

  it("a worker's own failure requeues the trial, counts nothing, and journals why", async () => {
    const s = await stack({ steps: 1 });
    const [a, b] = [await client(s, "a"), await client(s, "b")];
    const t = await askTrial(a);
    const fail = {
      type: "fail",
      trialId: t,
      reason: "no space left on device",
      code: "SEGNAS_E_DATA",
    } as const;
    expect(await a.request({ ...fail, fault: "worker" })).toMatchObject({ type: "ack", duplicate: false });
    expect(s.controller.study.state).toMatchObject({ failed: 0, completed: 0, queue: [t] });
    const requeued = s.store.lines
      .map((l) => JSON.parse(l) as StudyEvent)
      .filter((e) => e.type === "trial-requeued");
    expect(requeued).toEqual([
      expect.objectContaining({ trialId: t, reason: "worker-failed", worker: "a", detail: fail.reason }),
    ]);
    // The same architecture goes to the next worker; an architecture failure does count.
    expect(await askTrial(b)).toBe(t);
    expect(await b.request({ ...fail, fault: "architecture" })).toMatchObject({ duplicate: false });
    expect(s.controller.study.state).toMatchObject({ failed: 1, queue: [] });
    await s.close();
  });

  it("a dropped connection shortens the lease to a grace period", async () => {
    const s = await stack({ steps: 2, leaseMs: 60_000 });
    const a = await client(s, "a");
    const t = await askTrial(a);
    a.destroy();
    await new Promise((r) => setTimeout(r, 20));
    s.clock.advance(3500); // 2 x heartbeat + 1 s
    expect(s.controller.study.trial(t)?.status).toBe("queued");
    await s.close();
  });

  it("bye releases the worker's trial at once", async () => {
    const s = await stack({ steps: 2 });
    const a = await client(s, "a");
    const t = await askTrial(a);
    await a.close("bye");
    await new Promise((r) => setTimeout(r, 20));
    expect(s.controller.study.trial(t)?.status).toBe("queued");
    await s.close();
  });

  it("unknown trials get an error reply and the connection stays usable", async () => {
    const s = await stack();
    const a = await client(s, "a");
    await expect(a.request(tell(999, 0.1))).rejects.toMatchObject({ code: "SEGNAS_E_UNKNOWN_TRIAL" });
    expect((await a.request({ type: "ask" })).type).toBe("trial");
    await s.close();
  });

  it("with a secret: the right one is welcomed, a wrong or missing one refused", async () => {
    const s = await stack({ secret: "s3cret" });
    await expect(client(s, "good", "s3cret")).resolves.toBeDefined();
    await expect(client(s, "bad", "nope")).rejects.toBeInstanceOf(RemoteError);
    await expect(client(s, "bad", "nope")).rejects.toMatchObject({ code: "SEGNAS_E_AUTH" });
    await expect(client(s, "none")).rejects.toMatchObject({ code: "SEGNAS_E_AUTH" });
    await s.close();
  });

  it("junk bytes, an oversized length and a truncated frame close only that connection", async () => {
    const s = await stack({ steps: 2 });
    const good = await client(s, "good");
    const t = await askTrial(good);
    for (const bytes of [
      Buffer.from("GET / HTTP/1.1\r\n\r\n"),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      Buffer.from([0, 0, 0, 50, 0x81]),
    ]) {
      const [a, b] = createDuplexPair();
      s.server.attach(a);
      const received: Buffer[] = [];
      b.on("data", (d: Buffer) => received.push(d));
      const closed = new Promise((r) => b.once("close", r));
      b.write(bytes);
      if (bytes.length === 5) b.end(); // truncated: the stream ends inside a frame
      await closed;
      if (bytes.length !== 5) expect(Buffer.concat(received).includes(Buffer.from("SEGNAS_E_"))).toBe(true);
    }
    expect(await good.request(tell(t, 0.5))).toMatchObject({ duplicate: false });
    await s.close();
  });

  it("a hello with another protocol version is refused", async () => {
    const s = await stack();
    const [a, b] = createDuplexPair();
    s.server.attach(a);
    const ch = new MessageChannel(b);
    await expect(
      ch.request({ type: "hello", protocolVersion: PROTOCOL_VERSION + 1, workerId: "x", capabilities: caps }),
    ).rejects.toMatchObject({ code: "SEGNAS_E_PROTOCOL_VERSION" });
    await s.close();
  });

  it("a last result and a pipelined ask: done and the finish only once the result is durable", async () => {
    const opened = await openMemoryStudy(1);
    // A journal whose commits wait for `release` (a slow disk), once `slow` is set.
    let slow = false;
    let release!: () => void;
    const disk = new Promise<void>((resolve) => (release = resolve));
    const inner = opened.journal;
    const append = inner.append.bind(inner);
    inner.append = (events) => append(events).then(() => (slow ? disk : undefined));
    const finished: string[] = [];
    const controller = controllerOf(opened, { onFinished: (reason) => finished.push(reason) });
    const first = await controller.ask("w");
    if (first?.type !== "trial") throw new Error(`expected a trial, got ${first?.type}`);
    slow = true;
    const answers: string[] = [];
    const acked = controller.tell("w", tell(first.trialId, 0.5)).then((r) => answers.push(r.type));
    const next = controller.ask("w").then((r) => answers.push(r?.type ?? "none"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answers).toEqual([]);
    expect(finished).toEqual([]);
    release();
    await Promise.all([acked, next]);
    expect(answers).toEqual(["ack", "done"]);
    expect(finished).toHaveLength(1);
    controller.close();
    await inner.close();
  });

  it("tells its owner after each durable change, so the trial tables follow running trials", async () => {
    const opened = await openMemoryStudy(2);
    let changes = 0;
    const controller = controllerOf(opened, { onStudyChanged: () => changes++ });
    const t = await controller.ask("w");
    if (t?.type !== "trial") throw new Error(`expected a trial, got ${t?.type}`);
    expect(changes).toBe(1);
    expect(opened.study.trial(t.trialId)?.status).toBe("leased");
    await controller.tell("w", tell(t.trialId, 0.4));
    expect(changes).toBe(2);
    controller.close();
    await opened.journal.close();
  });

  it("a failing journal is fatal: the request gets SEGNAS_E_JOURNAL_WRITE and the owner is told", async () => {
    const opened = await openMemoryStudy(4);
    opened.journal.append = () => Promise.reject(new Error("ENOSPC: no space left on device"));
    const fatal: Error[] = [];
    const controller = controllerOf(opened, { onFatal: (e) => fatal.push(e) });
    await expect(controller.ask("w")).rejects.toMatchObject({ code: "SEGNAS_E_JOURNAL_WRITE" });
    await expect(controller.ask("w")).rejects.toMatchObject({ code: "SEGNAS_E_JOURNAL_WRITE" });
    expect(fatal.map((e) => e.message)).toEqual(["ENOSPC: no space left on device"]);
    controller.close();
  });

  it("resumes from its journal: same state, leased trials still belong to their worker", async () => {
    const store = new MemoryJournalStore();
    const s1 = await stack({ steps: 3, store });
    const a = await client(s1, "a");
    const t1 = await askTrial(a);
    await a.request(tell(t1, 0.5));
    const t2 = await askTrial(a);
    const before = JSON.stringify(s1.controller.study.state.trials);
    await s1.close();
    const events = store.lines.map((l) => JSON.parse(l) as StudyEvent);
    expect(events.length).toBeGreaterThan(0);

    const s2 = await stack({ steps: 3, store });
    expect(JSON.stringify(s2.controller.study.state.trials)).toBe(before);
    const a2 = await client(s2, "a");
    expect(await a2.request({ type: "heartbeat", trialId: t2, epoch: 1 })).toMatchObject({
      type: "continue",
    });
    expect(await a2.request(tell(t2, 0.6))).toMatchObject({ duplicate: false });
    expect(await a2.request(tell(t1, 0.5))).toMatchObject({ duplicate: true });
    expect(s2.controller.study.state.completed).toBe(2);
    await s2.close();
  });
});
