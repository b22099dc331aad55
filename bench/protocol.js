#!/usr/bin/env node
/* global global, __filename */
// Controller throughput, latency and memory on loopback, with simulated workers whose trials
// "train" instantly. The server runs in its own process (so its RSS is its own); the simulated
// workers run in this one, each a real TCP connection speaking the real protocol (handshake,
// msgpack frames, validation).
//
//   npm run bench:protocol [-- --seconds 5] [--workers 64] [--idle 1000] [--strategy random|sa]
//                          [--rate 5000] [--light-rates 3000,2000] [--modes floor,memory,fsync,idle]
//
// Targets (issue): >= 5,000 ask->tell round trips/s with 64 workers, p99 <= 5 ms, with the
// journal fsynced (group commit); 1,000 connected heart-beating workers with server RSS <= 300 MB.
// Baseline (SPEC §3, a PaddleSlim SANAS server measured on the reference machine): ~2,600
// ask+tell pairs/s with 64 clients, p99 25 ms; ~330/s with its checkpoint on.
"use strict";
const { fork } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const net = require("net");
const { performance } = require("perf_hooks");

const root = path.resolve(__dirname, "..");
const core = require(path.join(root, "packages/core/dist"));
const protocol = require(path.join(root, "packages/protocol/dist"));

const PADDLESLIM = { pairsPerSecond: 2600, p99Ms: 25, withCheckpoint: 330 };

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

// ---------------------------------------------------------------------------------------------
// Server role (a child process): one controller on 127.0.0.1:0, reporting over IPC.

/** A seeded random strategy (the bench measures the controller, not a strategy's cleverness). */
class RandomStrategy {
  constructor(state) {
    this.name = "random";
    this.rng = typeof state === "number" ? core.Rng.fromSeed(state) : core.Rng.fromState(state.rng);
  }
  ask(view) {
    for (let i = 0; i < 100; i++) {
      const tokens = view.space.sample(this.rng);
      if (!view.wasProposed(tokens)) return { kind: "propose", tokens };
    }
    return { kind: "exhausted", reason: "no unseen tokens in 100 samples" };
  }
  tell() {}
  toJSON() {
    return { name: "random", rng: this.rng.state() };
  }
}

function strategyFactory(kind) {
  if (kind === "random") {
    return {
      name: "random",
      create: (_n, _s, o) => new RandomStrategy(o.seed),
      restore: (_s, json) => new RandomStrategy(json),
    };
  }
  return {
    name: kind,
    create: (name, space, o) => core.createStrategy(name, space, o),
    restore: (space, json) => core.restoreStrategy(space, json),
  };
}

async function serverRole() {
  const server = require(path.join(root, "packages/server/dist"));
  const pino = require("pino");
  const logger = pino({ level: "silent" });
  const mode = process.env.BENCH_JOURNAL; // "fsync" | "nofsync" | "memory"
  const strategyKind = process.env.BENCH_STRATEGY || "random";
  const factory = strategyFactory(strategyKind);
  const space = core.getSpace("MobileNetV2SpaceSeg");
  const runDir =
    mode === "memory"
      ? null
      : fs.mkdtempSync(path.join(process.env.BENCH_TMP || os.tmpdir(), "segnas-bench-"));
  const opened = await server.openStudy({
    runDir,
    space,
    settings: {
      space: space.name,
      strategy: factory.name === "random" ? "random" : strategyKind,
      seed: 1,
      searchSteps: 1e9,
      maxFailures: 1e9,
    },
    strategies: factory,
    logger,
    fsync: mode === "fsync",
  });
  const controller = new server.Controller({
    study: opened.study,
    journal: opened.journal,
    logger,
    leaseMs: 60_000,
    heartbeatMs: 1000,
    budget: { epochs: 1 },
  });
  const srv = new server.SearchServer({ controller, logger, heartbeatSeconds: 1, leaseSeconds: 60 });
  const address = await srv.listen({ host: "127.0.0.1", port: 0, retrySeconds: 0 });
  process.send({ type: "ready", port: address.port });
  process.on("message", async (m) => {
    if (m.type === "stats") {
      global.gc?.();
      const cpu = process.cpuUsage();
      process.send({
        type: "stats",
        cpuMs: (cpu.user + cpu.system) / 1000,
        systemMs: cpu.system / 1000,
        rss: process.memoryUsage().rss,
        heapUsed: process.memoryUsage().heapUsed,
        journal: opened.journal.stats,
        completed: controller.study.state.completed,
        trials: controller.study.state.trials.length,
        connections: srv.connectionCount,
      });
    } else if (m.type === "stop") {
      await srv.close();
      await opened.journal.close();
      if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
      process.exit(0);
    }
  });
}

/**
 * The floor (a child process): the least any server could do for the same conversation on this
 * machine. Same TCP, same framing, each request decoded with msgpackr, but the replies are canned
 * frames of the real messages' sizes: no validation, no study, no strategy, no journal.
 */
function floorRole() {
  const space = core.getSpace("MobileNetV2SpaceSeg");
  const welcome = frameOf({ type: "welcome", protocolVersion: protocol.PROTOCOL_VERSION });
  const trial = frameOf({
    type: "trial",
    trialId: ID_PLACEHOLDER,
    tokens: space.initTokens,
    arch: space.decode(space.initTokens),
    budget: { epochs: 1 },
    leaseSeconds: 60,
  });
  const trialIdAt = idOffset(trial);
  const ack = frameOf({ type: "ack", trialId: ID_PLACEHOLDER, duplicate: false });
  const ackIdAt = idOffset(ack);
  let next = 1;
  const srv = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.on(
      "data",
      frameReader((msg) => {
        if (msg.type === "hello") socket.write(welcome);
        else if (msg.type === "ask") socket.write(withId(trial, trialIdAt, next++));
        else if (msg.type === "tell") socket.write(withId(ack, ackIdAt, msg.trialId));
        else if (msg.type === "bye") socket.end();
      }),
    );
  });
  srv.listen(0, "127.0.0.1", () => process.send({ type: "ready", port: srv.address().port }));
  process.on("message", (m) => m.type === "stop" && srv.close(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------
// Client side: simulated workers.

function startServer(journal, strategy, role = "server") {
  const child = fork(__filename, ["--role", role], {
    env: { ...process.env, BENCH_JOURNAL: journal, BENCH_STRATEGY: strategy },
    execArgv: [
      "--expose-gc",
      ...(process.env.BENCH_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
      // e.g. BENCH_SERVER_NODE_ARGS=--trace-gc
      ...(process.env.BENCH_SERVER_NODE_ARGS ? process.env.BENCH_SERVER_NODE_ARGS.split(" ") : []),
    ],
  });
  const ready = new Promise((resolve, reject) => {
    child.once("message", (m) =>
      m.type === "ready" ? resolve(m.port) : reject(new Error(JSON.stringify(m))),
    );
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const ask = (type) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === type) {
          child.off("message", on);
          resolve(m);
        }
      };
      child.on("message", on);
      child.send({ type });
    });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = () => {
    child.send({ type: "stop" });
    return exited;
  };
  return { child, ready, stats: () => ask("stats"), stop };
}

const caps = {
  backend: "none",
  device: "bench",
  hostname: os.hostname(),
  pid: process.pid,
  segnasVersion: "bench",
};

async function connectWorker(port, id) {
  const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const ch = new protocol.MessageChannel(socket, { requestTimeoutMs: 60_000 });
  await protocol.clientHandshake(ch, { workerId: `bench-${id}`, capabilities: caps });
  return ch;
}

function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

// The simulated workers are deliberately cheap, so that on a small machine the CPU goes to the
// server: raw sockets, frames built from pre-encoded templates (the bytes are exactly what
// encodeFrame produces for the same message), and replies only decoded (msgpackr) and checked
// for their type: the server is what must validate everything it receives, and it does.
const { Packr, Unpackr } = require("msgpackr");
const rawPackr = new Packr({ useRecords: false });
const rawUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

function frameOf(msg) {
  const body = rawPackr.pack(msg);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** A 'data' listener that cuts length-prefixed frames and hands each decoded body to `onMessage`. */
function frameReader(onMessage) {
  let buf = null;
  return (chunk) => {
    buf = buf ? Buffer.concat([buf, chunk]) : chunk;
    while (buf && buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) break;
      const msg = rawUnpackr.unpack(buf.subarray(4, 4 + n));
      buf = buf.length === 4 + n ? null : buf.subarray(4 + n);
      onMessage(msg);
    }
  };
}

// Templates carry this u32 where a trial id goes; it is patched per message.
const ID_PLACEHOLDER = 0xfffffffe;

/** Offset of the placeholder id's 4 bytes in a template frame (msgpack: 0xce, then the u32). */
function idOffset(frame) {
  const at = frame.indexOf(Buffer.from([0xce, 0xff, 0xff, 0xff, 0xfe])) + 1;
  if (at <= 0) throw new Error("template frame: trial id placeholder not found");
  return at;
}

/** A copy of `template` with `id` in place of the placeholder at `at`. */
function withId(template, at, id) {
  const f = Buffer.from(template);
  f.writeUInt32BE(id, at);
  return f;
}

const ASK_FRAME = frameOf({ type: "ask" });
// A tell with placeholders for trialId (u32) and reward (float64), patched per trial.
const TELL_TEMPLATE = frameOf({
  type: "tell",
  trialId: ID_PLACEHOLDER,
  reward: 0.1234567,
  metrics: { miou: 0.5 },
  curve: [0.5],
  durationMs: 0,
});
const TELL_ID_AT = idOffset(TELL_TEMPLATE);
const rewardBytes = Buffer.alloc(9);
rewardBytes[0] = 0xcb;
rewardBytes.writeDoubleBE(0.1234567, 1);
const TELL_REWARD_AT = TELL_TEMPLATE.indexOf(rewardBytes) + 1;
if (TELL_REWARD_AT <= 0) throw new Error("tell template: reward placeholder not found");

function tellFrame(trialId, reward) {
  const f = withId(TELL_TEMPLATE, TELL_ID_AT, trialId);
  f.writeDoubleBE(reward, TELL_REWARD_AT);
  return f;
}

/** One raw connection: `onMessage(msg)` per frame received (decoded, not validated). */
function rawConnect(port, workerId, onMessage) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    let handshaken = false;
    socket.on(
      "data",
      frameReader((msg) => {
        if (handshaken) return onMessage(msg);
        if (msg.type !== "welcome") return reject(new Error(`handshake: got ${JSON.stringify(msg)}`));
        handshaken = true;
        resolve(socket);
      }),
    );
    socket.once("error", reject);
    socket.once("connect", () =>
      socket.write(
        frameOf({
          type: "hello",
          protocolVersion: protocol.PROTOCOL_VERSION,
          workerId,
          capabilities: caps,
        }),
      ),
    );
  });
}

/**
 * `workers` connections doing ask -> (instant trial) -> tell for `seconds`. Closed loop (each
 * worker asks again as soon as it has its ack) unless `rate` (pairs/s for all workers together)
 * is given: then each worker starts a pair on a fixed schedule (one 1 ms ticker for all), and
 * latency is measured from the scheduled start (a server that falls behind is charged for the
 * queueing it causes). Also returns this process's CPU time during the measured window.
 *
 * `pipeline`: as segnas workers do, a worker sends its result and its next ask in one write and
 * holds the trial it gets until its next scheduled start; a "pair" is then that one round trip
 * (result + ask -> ack + trial), which still completes one trial and hands out one.
 */
async function throughput(port, workers, seconds, prefix = "w", rate = 0, pipeline = false) {
  const latencies = [];
  let pairs = 0;
  let running = true;
  const interval = rate > 0 ? (1000 * workers) / rate : 0;
  const ws = [];
  // Each request on its own too (ask -> trial, tell -> ack), from the moment it was sent.
  const requestLatencies = [];
  const startPair = (w, scheduled) => {
    w.busy = true;
    w.t0 = scheduled;
    w.sentAt = performance.now();
    if (pipeline && w.held !== undefined) {
      w.socket.write(Buffer.concat([tellFrame(w.held, Math.random()), ASK_FRAME]));
      w.held = undefined;
    } else w.socket.write(ASK_FRAME);
  };
  const onMessage = (w, m) => {
    const now = performance.now();
    const counted = now >= warmupUntil && now < until;
    if (pipeline) {
      if (m.type === "ack" || m.type === "bye") return;
      if (m.type !== "trial") throw new Error(`worker ${w.id}: expected trial/ack, got ${JSON.stringify(m)}`);
      if (counted) {
        requestLatencies.push(now - w.sentAt);
        latencies.push(now - w.t0);
        pairs++;
      }
      w.held = m.trialId;
      w.busy = false;
      if (running && interval === 0) startPair(w, performance.now());
      return;
    }
    if (m.type === "trial") {
      if (counted) requestLatencies.push(now - w.sentAt);
      w.sentAt = now;
      w.socket.write(tellFrame(m.trialId, Math.random()));
      return;
    }
    if (m.type === "bye") return;
    if (m.type !== "ack") throw new Error(`worker ${w.id}: expected trial/ack, got ${JSON.stringify(m)}`);
    if (counted) {
      requestLatencies.push(now - w.sentAt);
      latencies.push(now - w.t0);
      pairs++;
    }
    w.busy = false;
    if (running && interval === 0) startPair(w, performance.now());
  };
  for (let i = 0; i < workers; i++) {
    const w = { id: `${prefix}-${i}`, socket: null, busy: false, t0: 0, next: 0 };
    w.socket = await rawConnect(port, w.id, (m) => onMessage(w, m));
    ws.push(w);
  }
  const start = performance.now();
  const warmupUntil = start + 500;
  const until = warmupUntil + seconds * 1000;
  let ticker = null;
  if (interval === 0) for (const w of ws) startPair(w, performance.now());
  else {
    ws.forEach((w, i) => (w.next = start + (interval * i) / workers));
    ticker = setInterval(() => {
      const now = performance.now();
      for (const w of ws)
        if (!w.busy && w.next <= now && running) {
          startPair(w, w.next);
          w.next += interval;
        }
    }, 1);
  }
  await new Promise((r) => setTimeout(r, warmupUntil - performance.now()));
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, until - performance.now()));
  const cpu = process.cpuUsage(cpu0);
  running = false;
  if (ticker) clearInterval(ticker);
  await new Promise((r) => setTimeout(r, 200)); // let the last pairs finish
  for (const w of ws) w.socket.end(frameOf({ type: "bye" }));
  latencies.sort((a, b) => a - b);
  return {
    pairsPerSecond: pairs / seconds,
    pairs,
    latencies,
    requestLatencies,
    cpuMs: (cpu.user + cpu.system) / 1000,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1),
  };
}

/** `n` connections each holding a trial and heart-beating every `beatMs`. */
async function idleFleet(port, n, beatMs, seconds) {
  const chans = [];
  for (let i = 0; i < n; i += 50) {
    chans.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, (_, j) => connectWorker(port, `idle-${i + j}`)),
      )),
    );
  }
  const trials = await Promise.all(chans.map((c) => c.request({ type: "ask" })));
  let beats = 0;
  let running = true;
  const loops = chans.map(async (ch, i) => {
    await new Promise((r) => setTimeout(r, Math.random() * beatMs));
    while (running) {
      await ch.request({ type: "heartbeat", trialId: trials[i].trialId, epoch: 1, metric: 0.5 });
      beats++;
      await new Promise((r) => setTimeout(r, beatMs));
    }
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  return { chans, beats, loops };
}

function fmt(n, d = 0) {
  return Number(n).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
}

/** Client role (a child process): `workers` connections doing ask -> tell; sends back latencies. */
async function clientRole() {
  const port = Number(process.env.BENCH_PORT);
  const workers = Number(process.env.BENCH_WORKERS);
  const seconds = Number(process.env.BENCH_SECONDS);
  const r = await throughput(
    port,
    workers,
    seconds,
    process.env.BENCH_ID,
    Number(process.env.BENCH_RATE || 0),
    process.env.BENCH_PIPELINE === "1",
  );
  // disconnect only once the (large) result has gone: an IPC message still queued is dropped
  process.send({ type: "result", ...r }, () => process.disconnect());
}

/** Runs `workers` simulated workers spread over `procs` client processes; merges their numbers. */
async function distributedThroughput(port, workers, seconds, procs, rate = 0, pipeline = false) {
  const per = Array.from(
    { length: procs },
    (_, i) => Math.floor(workers / procs) + (i < workers % procs ? 1 : 0),
  );
  const results = await Promise.all(
    per.map(
      (n, i) =>
        new Promise((resolve, reject) => {
          const child = fork(__filename, ["--role", "client"], {
            env: {
              ...process.env,
              BENCH_PORT: String(port),
              BENCH_WORKERS: String(n),
              BENCH_SECONDS: String(seconds),
              BENCH_ID: `c${i}`,
              BENCH_RATE: String((rate * n) / workers),
              BENCH_PIPELINE: pipeline ? "1" : "0",
            },
          });
          child.once("message", resolve);
          child.once("exit", (code) => code !== 0 && reject(new Error(`client exited with ${code}`)));
        }),
    ),
  );
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = results.flatMap((r) => r.requestLatencies).sort((a, b) => a - b);
  const pairs = results.reduce((a, r) => a + r.pairs, 0);
  const pairsPerSecond = results.reduce((a, r) => a + r.pairsPerSecond, 0);
  const clientCpuMs = results.reduce((a, r) => a + r.cpuMs, 0);
  return {
    pairsPerSecond,
    pairs,
    clientCpuUsPerPair: (clientCpuMs * 1000) / Math.max(1, pairs),
    requestP50: quantile(requests, 0.5),
    requestP99: quantile(requests, 0.99),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1),
  };
}

async function main() {
  if (arg("role") === "server") return serverRole();
  if (arg("role") === "client") return clientRole();
  if (arg("role") === "floor") return floorRole();
  const seconds = Number(arg("seconds", 5));
  const workers = Number(arg("workers", 64));
  const idle = Number(arg("idle", 1000));
  const strategy = arg("strategy", "random");
  // e.g. --modes fsync: only the fsynced controller (for tracing one server); the summary needs all.
  const modes = new Set(String(arg("modes", "floor,memory,fsync,idle")).split(","));
  // Simulated workers live in their own processes (as real ones do), spread over the other cores.
  const procs = Number(arg("client-procs", Math.max(1, Math.min(8, os.cpus().length - 1))));
  console.log(
    `segnas protocol benchmark: ${workers} simulated workers in ${procs} client process(es) on loopback, ${seconds} s per run, strategy ${strategy}`,
  );
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model?.trim()}, node ${process.version}\n`);

  // The journal's raw fsync cost on this disk, alone.
  const journal = require(path.join(root, "packages/journal/dist"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-fsync-"));
  const fsync = await journal.measureFsync(tmp, 200);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(
    `fsync (write + fdatasync of one journal line, alone): mean ${fsync.meanMs.toFixed(2)} ms, p50 ${fsync.p50Ms.toFixed(2)} ms, p99 ${fsync.p99Ms.toFixed(2)} ms, max ${fsync.maxMs.toFixed(2)} ms`,
  );
  console.log(
    `  -> without group commit at most ~${fmt(1000 / fsync.meanMs)} fsyncs/s, i.e. ~${fmt(1000 / fsync.meanMs / 2)} ask+tell pairs/s\n`,
  );

  const rate = Number(arg("rate", 5000));
  const lightRates = String(arg("light-rates", "3000,2000"))
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const results = {};
  const pacedLine = (run, pipelined = false) =>
    pipelined
      ? `  paced at ${fmt(run.rate)}/s, pipelined (result + next ask in one write, as segnas workers send them):\n` +
        `${"".padEnd(28)}${fmt(run.pairsPerSecond)} trials/s done, latency from result to next trial p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, max ${run.max.toFixed(1)} ms`
      : `  paced at ${fmt(run.rate)} pairs/s:`.padEnd(28) +
        `${fmt(run.pairsPerSecond)} pairs/s done, pair latency p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, max ${run.max.toFixed(1)} ms (from the scheduled start); each request p99 ${run.requestP99.toFixed(2)} ms`;

  // Open loop: pairs started on a fixed schedule, latency from the scheduled start. At the
  // target rate, and below saturation (the latency of a server that is not overloaded).
  // Then the target rate once more with pipelined workers (result + next ask in one write).
  const pacedSeries = async (port) => {
    const runs = [];
    for (const at of [...new Set([rate, ...lightRates])]) {
      const run = await distributedThroughput(port, workers, seconds, procs, at);
      run.rate = at;
      runs.push(run);
      console.log(pacedLine(run));
    }
    runs.pipelined = await distributedThroughput(port, workers, seconds, procs, rate, true);
    runs.pipelined.rate = rate;
    console.log(pacedLine(runs.pipelined, true));
    return runs;
  };

  // The baseline: the same simulated workers against the floor (TCP + framing + msgpack only).
  if (modes.has("floor")) {
    const srv = startServer("none", strategy, "floor");
    const port = await srv.ready;
    const r = await distributedThroughput(port, workers, seconds, procs);
    console.log(
      "floor (a minimal server: same TCP, framing and msgpack, canned replies; no validation, study or journal):",
    );
    console.log(
      `  saturation, closed loop:  ${fmt(r.pairsPerSecond)} ask->tell pairs/s, latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
    );
    const pacedRuns = await pacedSeries(port);
    console.log("");
    await srv.stop();
    results.floor = { closed: r, paced: pacedRuns[0], pacedRuns };
  }

  for (const mode of ["memory", "fsync"].filter((m) => modes.has(m))) {
    const srv = startServer(mode, strategy);
    const port = await srv.ready;
    const st0 = await srv.stats();
    const r = await distributedThroughput(port, workers, seconds, procs);
    const st = await srv.stats();
    // Server CPU per pair (the run includes the clients' warm-up: a slight over-estimate).
    const done = Math.max(1, st.completed - st0.completed);
    r.serverCpuUsPerPair = ((st.cpuMs - st0.cpuMs) * 1000) / done;
    r.serverSystemUsPerPair = ((st.systemMs - st0.systemMs) * 1000) / done;
    const label = mode === "memory" ? "without journal (in-memory)" : "with journal, fsync per group commit";
    console.log(`${label}:`);
    console.log(
      `  saturation, closed loop:  ${fmt(r.pairsPerSecond)} ask->tell pairs/s, latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (64 always-busy workers: mean latency = 64 / rate)`,
    );
    console.log(
      `  CPU per pair: server ${fmt(r.serverCpuUsPerPair)} us, ${fmt(r.serverSystemUsPerPair)} of them in the kernel (-> one uncontended core serves ~${fmt(1e6 / r.serverCpuUsPerPair)} pairs/s), simulated clients ${fmt(r.clientCpuUsPerPair)} us`,
    );
    const pacedRuns = await pacedSeries(port);
    const paced = pacedRuns[0];
    const st1 = await srv.stats();
    if (mode === "fsync") {
      const j = st1.journal;
      console.log(
        `  journal: ${fmt(j.events)} events in ${fmt(j.commits)} fsynced commits (${(j.events / Math.max(1, j.commits)).toFixed(1)} events per fsync), ${fmt(j.bytes / 1e6, 1)} MB`,
      );
    }
    console.log(`  server RSS ${fmt(st1.rss / 1e6)} MB after ${fmt(st1.trials)} trials\n`);
    await srv.stop();
    results[mode] = { closed: r, paced, pacedRuns };
  }

  if (!["floor", "memory", "fsync", "idle"].every((m) => modes.has(m))) process.exit(0);
  const srv = startServer("fsync", strategy);
  const port = await srv.ready;
  const before = await srv.stats();
  const fleet = await idleFleet(port, idle, 1000, Math.max(3, seconds));
  const st = await srv.stats();
  const busy = await distributedThroughput(port, Math.min(workers, 16), 2, procs).catch((e) => ({
    error: e.message,
  }));
  console.log(`${fmt(idle)} connected workers, each holding a trial and heart-beating every 1 s:`);
  console.log(
    `  server RSS ${fmt(st.rss / 1e6)} MB (idle server ${fmt(before.rss / 1e6)} MB), ${fmt(st.connections)} connections, ${fmt(fleet.beats)} heartbeats answered`,
  );
  if (!busy.error)
    console.log(
      `  meanwhile 16 busy workers: ${fmt(busy.pairsPerSecond)} pairs/s, p99 ${busy.p99.toFixed(2)} ms`,
    );
  await srv.stop();
  for (const c of fleet.chans) c.destroy();

  const ours = results.fsync.closed;
  console.log(
    `\nvs PaddleSlim SANAS (SPEC §3: ${fmt(PADDLESLIM.pairsPerSecond)}/s p99 ${PADDLESLIM.p99Ms} ms with 64 clients; ${PADDLESLIM.withCheckpoint}/s with its checkpoint):`,
  );
  console.log(
    `  with journal + fsync: ${(ours.pairsPerSecond / PADDLESLIM.withCheckpoint).toFixed(1)}x its checkpointed rate, ${(ours.pairsPerSecond / PADDLESLIM.pairsPerSecond).toFixed(2)}x its rate without checkpoint, p99 ${ours.p99.toFixed(1)} vs ${PADDLESLIM.p99Ms} ms`,
  );
  console.log(
    `  without journal:      ${(results.memory.closed.pairsPerSecond / PADDLESLIM.pairsPerSecond).toFixed(2)}x its rate without checkpoint`,
  );
  const pass = (ok) => (ok ? "PASS" : "MISS");
  const lines = [
    `>= 5,000 pairs/s with 64 workers + fsync (closed loop): ${pass(ours.pairsPerSecond >= 5000)} (${fmt(ours.pairsPerSecond)} = ${(ours.pairsPerSecond / results.floor.closed.pairsPerSecond).toFixed(2)}x the floor's ${fmt(results.floor.closed.pairsPerSecond)})`,
    ...results.fsync.pacedRuns.map(
      (q, i) =>
        `p99 <= 5 ms paced at ${fmt(q.rate)}/s + fsync: ${pass(q.p99 <= 5 && q.pairsPerSecond >= 0.95 * q.rate)} (pair p99 ${q.p99.toFixed(1)} ms = ${(q.p99 / results.floor.pacedRuns[i].p99).toFixed(1)}x the floor's ${results.floor.pacedRuns[i].p99.toFixed(1)} ms; each request p99 ${q.requestP99.toFixed(1)} ms; ${fmt(q.pairsPerSecond)}/s done)`,
    ),
    ((q, f) =>
      `p99 <= 5 ms paced at ${fmt(q.rate)}/s + fsync, pipelined workers: ${pass(q.p99 <= 5 && q.pairsPerSecond >= 0.95 * q.rate)} (result -> next trial p99 ${q.p99.toFixed(1)} ms = ${(q.p99 / f.p99).toFixed(1)}x the floor's ${f.p99.toFixed(1)} ms; ${fmt(q.pairsPerSecond)}/s done)`)(
      results.fsync.pacedRuns.pipelined,
      results.floor.pacedRuns.pipelined,
    ),
    `${fmt(idle)} workers RSS <= 300 MB: ${pass(st.rss <= 300e6)} (${fmt(st.rss / 1e6)} MB)`,
  ];
  console.log(
    `\ntargets (this machine: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}):\n  ${lines.join("\n  ")}`,
  );
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
