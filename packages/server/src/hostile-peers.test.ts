/**
 * Bad peers against a real TCP server on loopback: valid frames in the wrong order (a tell
 * before hello, a second hello, a result for another worker's trial), seeded random streams of
 * valid and broken frames split at random, and the connection limits. Each bad peer gets an
 * error (a frame, where the connection is still writable) and is closed; a good worker connected
 * all along keeps getting trials and acknowledgements; memory stays bounded.
 */
import * as net from "node:net";
import fc from "fast-check";
import { getSpace } from "@segnas/core";
import {
  FrameDecoder,
  MessageChannel,
  clientHandshake,
  encodeFrame,
  type Capabilities,
  type Message,
  type TellMessage,
} from "@segnas/protocol";
import pino from "pino";
import { Controller } from "./controller";
import { openStudy } from "./open-study";
import { SearchServer } from "./search-server";
import { testStrategies } from "./testing/test-strategies";

jest.setTimeout(60_000);
const log = pino({ level: "silent" });
const space = getSpace("MobileNetV2SpaceSeg");
const caps: Capabilities = { backend: "fake", device: "test", hostname: "test", pid: 1, segnasVersion: "0" };

interface Running {
  server: SearchServer;
  port: number;
  close(): Promise<void>;
}

async function start(limits: { total?: number; perAddress?: number } = {}, steps = 1000): Promise<Running> {
  const opened = await openStudy({
    runDir: null,
    space,
    settings: { space: space.name, strategy: "random-test", seed: 7, searchSteps: steps, maxFailures: 5 },
    strategies: testStrategies,
    logger: log,
    fsync: false,
  });
  const controller = new Controller({
    study: opened.study,
    journal: opened.journal,
    logger: log,
    leaseMs: 60_000,
    heartbeatMs: 1000,
    budget: { epochs: 1 },
    maxAskHoldMs: 50,
  });
  const server = new SearchServer({
    controller,
    logger: log,
    heartbeatSeconds: 1,
    leaseSeconds: 60,
    handshakeTimeoutMs: 2000,
    maxUnsentBytes: 256 * 1024,
    ...(limits.total !== undefined ? { maxConnections: limits.total } : {}),
    ...(limits.perAddress !== undefined ? { maxConnectionsPerAddress: limits.perAddress } : {}),
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0, retrySeconds: 0 });
  return {
    server,
    port,
    async close() {
      await server.close();
      await opened.journal.close();
    },
  };
}

/** A raw connection: sends `bytes` (in `pieces`), then collects what comes back until closed. */
function raw(
  port: number,
  bytes: Buffer[],
  opts: { end?: boolean; localAddress?: string } = {},
): Promise<{ messages: Message[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    const messages: Message[] = [];
    let ended = false;
    const s = net.connect({
      host: "127.0.0.1",
      port,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    s.on("connect", () => {
      for (const b of bytes) s.write(b);
      if (opts.end) {
        ended = true;
        s.end();
      }
    });
    s.on("data", (d: Buffer) => {
      try {
        messages.push(...decoder.push(d));
      } catch {
        // what the server sends is well-formed; a test would see it in messages
      }
    });
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(timer);
      resolve({ messages, closedByServer: !ended });
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error("the server did not close the connection"));
    }, 10_000);
  });
}

const hello = (workerId: string): Message => ({
  type: "hello",
  protocolVersion: 1,
  workerId,
  capabilities: caps,
});

async function goodWorker(port: number, workerId: string): Promise<MessageChannel> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
  const ch = new MessageChannel(socket, { requestTimeoutMs: 10_000 });
  await clientHandshake(ch, { workerId, capabilities: caps });
  return ch;
}

async function oneTrial(ch: MessageChannel, reward = 0.5): Promise<number> {
  const r = await ch.request({ type: "ask" });
  if (r.type !== "trial") throw new Error(`expected a trial, got ${r.type}`);
  const ack = await ch.request({
    type: "tell",
    trialId: r.trialId,
    reward,
    metrics: {},
    curve: [reward],
    durationMs: 1,
  });
  expect(ack).toMatchObject({ type: "ack", trialId: r.trialId, duplicate: false });
  return r.trialId;
}

describe("hostile peers over TCP", () => {
  let srv: Running;
  afterEach(async () => srv?.close());

  it("a tell before hello, or a second hello, gets an error frame and the connection is closed", async () => {
    srv = await start();
    const good = await goodWorker(srv.port, "good");
    await oneTrial(good);
    const tell = encodeFrame({ type: "tell", trialId: 1, reward: 1, metrics: {}, curve: [], durationMs: 1 });
    const early = await raw(srv.port, [tell]);
    expect(early.closedByServer).toBe(true);
    expect(early.messages).toEqual([
      expect.objectContaining({ type: "error", code: "SEGNAS_E_UNEXPECTED_MESSAGE" }),
    ]);
    const twice = await raw(srv.port, [encodeFrame(hello("twice")), encodeFrame(hello("twice"))]);
    expect(twice.messages.map((m) => m.type)).toEqual(["welcome", "error"]);
    expect(twice.messages[1]).toMatchObject({ code: "SEGNAS_E_UNEXPECTED_MESSAGE" });
    expect(twice.closedByServer).toBe(true);
    await oneTrial(good);
    await good.close();
  });

  it("a result for another worker's trial is refused; that worker's own result is then accepted", async () => {
    srv = await start();
    const owner = await goodWorker(srv.port, "owner");
    const thief = await goodWorker(srv.port, "thief");
    const r = await owner.request({ type: "ask" });
    if (r.type !== "trial") throw new Error(r.type);
    const stolen: TellMessage = {
      type: "tell",
      trialId: r.trialId,
      reward: 1,
      metrics: {},
      curve: [1],
      durationMs: 1,
    };
    await expect(thief.request(stolen)).rejects.toMatchObject({
      code: "SEGNAS_E_UNKNOWN_TRIAL",
      message: expect.stringMatching(new RegExp(`trial ${r.trialId} was never handed to worker thief`)),
    });
    await expect(thief.request({ type: "fail", trialId: r.trialId, reason: "x" })).rejects.toMatchObject({
      code: "SEGNAS_E_UNKNOWN_TRIAL",
    });
    // The owner is not disturbed: its heartbeat continues, its result counts once.
    expect(await owner.request({ type: "heartbeat", trialId: r.trialId, epoch: 1 })).toMatchObject({
      type: "continue",
    });
    expect(await owner.request({ ...stolen, reward: 0.25 })).toMatchObject({ duplicate: false });
    expect(srv.server.controller.study.trial(r.trialId)).toMatchObject({ status: "completed", reward: 0.25 });
    await Promise.all([owner.close(), thief.close()]);
  });

  it("seeded random streams of valid and broken frames: every bad peer is closed, a good worker goes on (fuzz)", async () => {
    srv = await start();
    const good = await goodWorker(srv.port, "good");
    const valid: Message[] = [
      hello("fuzz"),
      { type: "ask" },
      { type: "heartbeat", trialId: 1, epoch: 1 },
      { type: "tell", trialId: 2, reward: 0.1, metrics: {}, curve: [], durationMs: 1 },
      { type: "fail", trialId: 3, reason: "r" },
      { type: "status" },
      { type: "bye" },
      { type: "welcome" } as unknown as Message,
    ];
    const piece = fc.oneof(
      fc.constantFrom(...valid).map((m) => {
        try {
          return encodeFrame(m);
        } catch {
          return Buffer.from(JSON.stringify(m));
        }
      }),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 0, max: 0xffffffff }).map((n) => {
        const h = Buffer.alloc(4);
        h.writeUInt32BE(n, 0);
        return h;
      }),
      fc.string({ maxLength: 12 }).map((t) => {
        const body = Buffer.from([0x81, 0xa4, ...Buffer.from("type"), 0xa0 + Math.min(t.length, 31)]);
        const str = Buffer.from(t.slice(0, 31));
        const f = Buffer.alloc(4);
        f.writeUInt32BE(body.length + str.length, 0);
        return Buffer.concat([f, body, str]);
      }),
    );
    const heapBefore = process.memoryUsage().heapUsed;
    let goodTrials = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 50 }),
        async (pieces, split) => {
          const all = Buffer.concat(pieces);
          const chunks: Buffer[] = [];
          for (let i = 0; i < all.length; i += split) chunks.push(all.subarray(i, i + split));
          const got = await raw(srv.port, chunks, { end: true });
          // An error frame, when one came, is the last thing the server sent.
          const errs = got.messages.filter((m) => m.type === "error");
          if (errs.length > 0) expect(got.messages[got.messages.length - 1]?.type).toBe("error");
          await oneTrial(good);
          goodTrials++;
        },
      ),
      { numRuns: 40, seed: 20261204 },
    );
    expect(goodTrials).toBe(40);
    // Every hostile connection is gone: only the good worker remains.
    const end = Date.now() + 5000;
    while (srv.server.connectionCount > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(srv.server.connectionCount).toBe(1);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(128 << 20);
    await good.close();
  });

  it("a peer that sends requests but never reads the replies is cut off; the good worker goes on", async () => {
    srv = await start();
    const good = await goodWorker(srv.port, "good");
    const s = net.connect({ host: "127.0.0.1", port: srv.port });
    await new Promise<void>((r) => s.once("connect", r));
    s.on("error", () => undefined);
    s.write(encodeFrame(hello("deaf")));
    s.pause(); // reads nothing from here on: the kernel buffers fill, then the server's
    const status = encodeFrame({ type: "status" });
    const closed = new Promise<void>((r) => s.once("close", () => r()));
    let sent = 0;
    const flood = (): void => {
      while (sent < 200_000 && !s.destroyed) {
        sent++;
        if (!s.write(status)) return void s.once("drain", flood);
      }
    };
    flood();
    const heapBefore = process.memoryUsage().heapUsed;
    await oneTrial(good);
    // (the peer reads nothing, so it cannot see the close itself: the server's count says it)
    const end = Date.now() + 20_000;
    while (srv.server.connectionCount > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(srv.server.connectionCount).toBe(1);
    s.destroy();
    await closed;
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(128 << 20);
    await oneTrial(good);
    await good.close();
  });

  it("a peer that trickles its hello a byte at a time is closed at the handshake timeout", async () => {
    srv = await start();
    const good = await goodWorker(srv.port, "good");
    const frame = encodeFrame(hello("trickler"));
    const s = net.connect({ host: "127.0.0.1", port: srv.port });
    s.on("error", () => undefined);
    const got: Buffer[] = [];
    s.on("data", (d: Buffer) => got.push(d));
    let i = 0;
    const timer = setInterval(() => {
      if (i < frame.length && !s.destroyed) s.write(frame.subarray(i, ++i));
    }, 100);
    await new Promise<void>((r) => s.once("close", () => r()));
    clearInterval(timer);
    // closed after ~2 s (the handshake timeout), long before the ~9 s the hello would take
    expect(i).toBeLessThan(frame.length);
    expect(new FrameDecoder().push(Buffer.concat(got))).toEqual([
      expect.objectContaining({ type: "error", code: "SEGNAS_E_TIMEOUT" }),
    ]);
    await oneTrial(good);
    await good.close();
  });

  it("refuses connections over SEGNAS.MAX_CONNECTIONS(_PER_ADDRESS) with an error frame naming the limit", async () => {
    srv = await start({ total: 3, perAddress: 2 });
    const a = await goodWorker(srv.port, "a");
    const b = await goodWorker(srv.port, "b");
    const refusedSame = await raw(srv.port, []);
    expect(refusedSame.closedByServer).toBe(true);
    expect(refusedSame.messages).toEqual([
      expect.objectContaining({
        type: "error",
        code: "SEGNAS_E_TOO_MANY_CONNECTIONS",
        message: expect.stringMatching(
          /maximum of 2 connections from 127\.0\.0\.1 \(SEGNAS\.MAX_CONNECTIONS_PER_ADDRESS\)/,
        ),
      }),
    ]);
    // Another loopback address still gets in, up to the total.
    const socket = net.connect({ host: "127.0.0.1", port: srv.port, localAddress: "127.0.0.2" });
    await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
    const c = new MessageChannel(socket, { requestTimeoutMs: 10_000 });
    await clientHandshake(c, { workerId: "c", capabilities: caps });
    const refusedTotal = await raw(srv.port, [], { localAddress: "127.0.0.3" });
    expect(refusedTotal.messages[0]).toMatchObject({
      code: "SEGNAS_E_TOO_MANY_CONNECTIONS",
      message: expect.stringMatching(/maximum of 3 connections \(SEGNAS\.MAX_CONNECTIONS\)/),
    });
    expect(srv.server.refusedConnections).toBe(2);
    // The workers inside are unaffected; a freed slot is taken again.
    await oneTrial(a);
    await b.close();
    await new Promise((r) => setTimeout(r, 50));
    const d = await goodWorker(srv.port, "d");
    await oneTrial(d);
    await Promise.all([a.close(), c.close(), d.close()]);
  });
});
