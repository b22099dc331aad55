import {
  MessageChannel,
  PROTOCOL_VERSION,
  createDuplexPair,
  serverHandshake,
  type Message,
  type TrialMessage,
} from "@segnas/protocol";
import type { Duplex } from "node:stream";
import pino from "pino";
import { createFakeRunner } from "./fake-runner";
import { runWorker, parseAddress } from "./worker";

const log = pino({ level: "silent" });

/** A scripted server: each connection is handed to `script` after the handshake. */
function scriptedServer(script: (ch: MessageChannel, connection: number) => Promise<void>) {
  let connections = 0;
  const seen: Message[][] = [];
  // A failed expectation inside a script must fail the test, not vanish with the connection.
  const failures: Error[] = [];
  const connect = async (): Promise<Duplex> => {
    // After a failed expectation the worker is not let back in: it ends, and the test fails.
    if (failures.length > 0) throw failures[0];
    const [a, b] = createDuplexPair();
    const n = connections++;
    seen.push([]);
    const ch = new MessageChannel(a, { requestTimeoutMs: 0 });
    void (async () => {
      await serverHandshake(ch, {
        welcome: () => ({
          protocolVersion: PROTOCOL_VERSION,
          sessionId: `s${n}`,
          study: { studyId: "x", space: "Tiny", strategy: "t", searchSteps: 1 },
          heartbeatSeconds: 0.05,
          leaseSeconds: 10,
        }),
      });
      ch.on("message", (m) => seen[n]?.push(m));
      await script(ch, n);
    })().catch((e: unknown) => {
      if (e instanceof Error && "matcherResult" in e) failures.push(e);
      ch.destroy();
    });
    return b;
  };
  return {
    connect,
    seen,
    failures,
    get connections() {
      return connections;
    },
  };
}

const trial: TrialMessage = {
  type: "trial",
  trialId: 7,
  tokens: [1, 2],
  arch: { a: 1 },
  budget: { epochs: 3 },
  leaseSeconds: 10,
};

function next(ch: MessageChannel): Promise<Message> {
  return ch.receive(5000);
}

/** Answers heartbeats with `continue` until a tell/fail arrives; returns it. */
async function untilResult(ch: MessageChannel, onBeat?: (m: Message) => Message | null): Promise<Message> {
  for (;;) {
    const m = await next(ch);
    if (m.type === "heartbeat") {
      const r = onBeat?.(m) ?? { type: "continue", trialId: m.trialId };
      ch.reply(m, r);
      continue;
    }
    return m;
  }
}

/** Runs a worker against a scripted server (in memory, retrying the connection for 1 s). */
function runAgainst(
  srv: ReturnType<typeof scriptedServer>,
  runner: Parameters<typeof runWorker>[0]["runner"],
  more: Partial<Parameters<typeof runWorker>[0]> = {},
): ReturnType<typeof runWorker> {
  const check = (): void => {
    if (srv.failures.length > 0) throw srv.failures[0];
  };
  return runWorker({
    host: "mem",
    port: 0,
    runner,
    trialRoot: null,
    logger: log,
    connectRetrySeconds: 1,
    connect: srv.connect,
    ...more,
  }).then(
    (summary) => (check(), summary),
    (e: unknown) => {
      check();
      throw e;
    },
  );
}

describe("Worker", () => {
  it("asks, trains with heartbeats carrying the mIoU, tells, and exits on done", async () => {
    const beats: Message[] = [];
    const srv = scriptedServer(async (ch) => {
      const ask = await next(ch);
      ch.reply(ask, trial);
      const tell = await untilResult(ch, (m) => (beats.push(m), null));
      expect(tell).toMatchObject({ type: "tell", trialId: 7 });
      ch.reply(tell, { type: "ack", trialId: 7, duplicate: false });
      ch.reply(await next(ch), { type: "done", reason: "all done" });
    });
    const summary = await runAgainst(srv, createFakeRunner({ epochMs: 30, reward: () => 0.6 }));
    expect(summary).toMatchObject({ outcome: "done", completed: 1, trialsRun: 1, reconnects: 0 });
    const withMetric = beats.filter((b) => b.type === "heartbeat" && b.metric !== undefined);
    expect(withMetric.length).toBeGreaterThan(0);
    expect(withMetric.at(-1)).toMatchObject({ trialId: 7, epoch: 3, metric: 0.6 });
  });

  it("sends its next ask with its result, without waiting for the ack", async () => {
    const srv = scriptedServer(async (ch) => {
      ch.reply(await next(ch), trial);
      const tell = await untilResult(ch);
      expect(tell).toMatchObject({ type: "tell", trialId: 7 });
      // The ask is already here while the tell is unanswered: one round trip between trials.
      const ask = await next(ch);
      expect(ask.type).toBe("ask");
      ch.reply(tell, { type: "ack", trialId: 7, duplicate: false });
      ch.reply(ask, { type: "done", reason: "all done" });
    });
    const summary = await runAgainst(srv, createFakeRunner({ epochMs: 10, reward: () => 0.5 }));
    expect(summary).toMatchObject({ outcome: "done", completed: 1, trialsRun: 1 });
  });

  it("re-sends an unacknowledged result after the connection drops", async () => {
    const tells: Message[] = [];
    const srv = scriptedServer(async (ch, n) => {
      if (n === 0) {
        ch.reply(await next(ch), trial);
        tells.push(await untilResult(ch));
        ch.destroy(); // the server "crashes" before acknowledging
        return;
      }
      const m = await untilResult(ch);
      tells.push(m);
      ch.reply(m, { type: "ack", trialId: 7, duplicate: true });
      ch.reply(await next(ch), { type: "done", reason: "over" });
    });
    const summary = await runAgainst(srv, createFakeRunner({ reward: () => 0.25 }));
    expect(summary).toMatchObject({ outcome: "done", reconnects: 1 });
    expect(tells.map((t) => t.type === "tell" && [t.trialId, t.reward])).toEqual([
      [7, 0.25],
      [7, 0.25],
    ]);
  });

  it("keeps training through a reconnect and heartbeats at once on the new connection", async () => {
    const srv = scriptedServer(async (ch, n) => {
      if (n === 0) {
        ch.reply(await next(ch), trial);
        await next(ch); // first heartbeat
        ch.destroy();
        return;
      }
      const first = await next(ch);
      expect(first).toMatchObject({ type: "heartbeat", trialId: 7 });
      ch.reply(first, { type: "continue", trialId: 7 });
      const tell = await untilResult(ch);
      ch.reply(tell, { type: "ack", trialId: 7, duplicate: false });
      ch.reply(await next(ch), { type: "done", reason: "over" });
    });
    const summary = await runAgainst(srv, createFakeRunner({ epochMs: 40 }));
    expect(summary).toMatchObject({ outcome: "done", completed: 1, reconnects: 1 });
  });

  it("obeys stop: abandons the trial without reporting it, then asks again", async () => {
    const srv = scriptedServer(async (ch) => {
      ch.reply(await next(ch), trial);
      const m = await untilResult(ch, (b) => ({
        type: "stop",
        trialId: b.type === "heartbeat" ? b.trialId : 0,
        reason: "taken",
      }));
      expect(m.type).toBe("ask");
      ch.reply(m, { type: "done", reason: "over" });
    });
    const summary = await runAgainst(srv, createFakeRunner({ epochMs: 50, epochs: 20 }));
    expect(summary).toMatchObject({ outcome: "done", completed: 0, trialsRun: 1 });
  });

  it("abandons a trial the server does not know (restarted on another run directory)", async () => {
    const srv = scriptedServer(async (ch) => {
      ch.reply(await next(ch), trial);
      const beat = await next(ch);
      expect(beat.type).toBe("heartbeat");
      ch.send({
        type: "error",
        re: beat.id,
        code: "SEGNAS_E_UNKNOWN_TRIAL",
        message: "trial 7 is not part of this study",
      });
      const ask = await untilResult(ch);
      expect(ask.type).toBe("ask");
      ch.reply(ask, { type: "done", reason: "over" });
    });
    const summary = await runAgainst(srv, createFakeRunner({ epochMs: 50, epochs: 20 }));
    expect(summary).toMatchObject({ outcome: "done", completed: 0, reconnects: 0 });
  });

  it("reports a failed trial with its code", async () => {
    let failure: Message | null = null;
    const srv = scriptedServer(async (ch) => {
      ch.reply(await next(ch), trial);
      failure = await untilResult(ch);
      ch.reply(failure, { type: "ack", trialId: 7, duplicate: false });
      ch.reply(await next(ch), { type: "done", reason: "over" });
    });
    await runAgainst(srv, createFakeRunner({ fail: () => "NaN loss" }));
    expect(failure).toMatchObject({
      type: "fail",
      trialId: 7,
      reason: "NaN loss",
      code: "SEGNAS_E_TRAINING",
      fault: "architecture",
    });
  });

  it("blames itself for a worker failure, backs off, and stops after WORKER_MAX_FAILURES in a row", async () => {
    const fails: Message[] = [];
    const srv = scriptedServer(async (ch) => {
      for (;;) {
        const m = await next(ch);
        if (m.type === "ask") ch.reply(m, trial);
        else if (m.type === "fail") {
          fails.push(m);
          ch.reply(m, { type: "ack", trialId: m.trialId, duplicate: false });
        } else if (m.type === "heartbeat") ch.reply(m, { type: "continue", trialId: m.trialId });
      }
    });
    const runner = createFakeRunner({ fail: () => ({ reason: "ENOSPC on the worker", fault: "worker" }) });
    const err = await runAgainst(srv, runner, { maxWorkerFailures: 3, workerFailureBackoffMs: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "SEGNAS_E_WORKER_FAILED", exitCode: 9 });
    expect((err as Error).message).toMatch(/3 trial\(s\) in a row .*ENOSPC on the worker/);
    expect(fails).toHaveLength(3);
    for (const f of fails) expect(f).toMatchObject({ type: "fail", trialId: 7, fault: "worker" });
    expect(srv.connections).toBe(1);
  });

  it("shuts down mid-trial: stops training, says bye, and resolves", async () => {
    const stop = new AbortController();
    let bye: Message | null = null;
    const srv = scriptedServer(async (ch) => {
      ch.reply(await next(ch), trial);
      bye = await untilResult(ch, (m) => {
        stop.abort();
        return { type: "continue", trialId: m.type === "heartbeat" ? m.trialId : 0 };
      });
    });
    // Like the real runner, whose trial ends when its child process exits: a macrotask later.
    const fake = createFakeRunner({ epochMs: 30, epochs: 1000 });
    const runner: typeof fake = {
      ...fake,
      run: async (req) => {
        const outcome = await fake.run(req);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return outcome;
      },
    };
    const summary = await runAgainst(srv, runner, { signal: stop.signal });
    expect(summary).toMatchObject({ outcome: "stopped", completed: 0, trialsRun: 1 });
    expect(bye).toMatchObject({ type: "bye" });
  });

  it("backs off, then gives up, when the peer accepts connections but is no segnas server", async () => {
    let connections = 0;
    const connect = async (): Promise<Duplex> => {
      connections++;
      const [a, b] = createDuplexPair();
      a.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return b;
    };
    const started = Date.now();
    await expect(
      runWorker({
        host: "127.0.0.1",
        port: 8080,
        runner: createFakeRunner(),
        trialRoot: null,
        logger: log,
        connectRetrySeconds: 1,
        connect,
      }),
    ).rejects.toMatchObject({
      code: "SEGNAS_E_CONNECT",
      message: expect.stringContaining("no segnas handshake succeeded"),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // 100 ms doubling (with jitter) to 1 s: a handful of attempts, not thousands.
    expect(connections).toBeLessThanOrEqual(10);
  });

  it("gives up connecting after the retry window with an actionable error", async () => {
    await expect(
      runWorker({
        host: "127.0.0.1",
        port: 1,
        runner: createFakeRunner(),
        trialRoot: null,
        logger: log,
        connectRetrySeconds: 0.3,
      }),
    ).rejects.toMatchObject({ code: "SEGNAS_E_CONNECT", message: expect.stringContaining("SLIM.NAS_PORT") });
  });

  it("parses addresses", () => {
    expect(parseAddress("10.0.0.5:23333")).toEqual({ host: "10.0.0.5", port: 23333 });
    expect(parseAddress("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(() => parseAddress("nohost")).toThrow(/host:port/);
  });
});
