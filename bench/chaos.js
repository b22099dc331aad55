#!/usr/bin/env node
// Faults against a real search, and a soak. The server is the real CLI (`segnas server`, journal
// fsynced); the simulated workers are real Worker instances with the fake trainer, 10 per
// "worker host" process, each on its own TCP connection. Faults, one phase each: kill -9 of a
// worker host, kill -9 of the server (restarted), dropped connections, a host that stops reading
// (SIGSTOP past its lease), a partition of one host (network namespaces + nftables; 60 s, or 8 s
// with --quick) then heal, a host that vanishes without FIN, the journal's disk full (tmpfs),
// junk and trickling peers; then the soak: random kills and disconnects for --minutes.
//
//   npm run bench:chaos [-- --quick] [--minutes 10] [--workers 200] [--seed 1]
//
// Lost and duplicated come from the journal and the trial table, checked against the results
// the workers saw acknowledged: lost = an acknowledged result with no trial-completed event, or a
// trial handed out that ends in no state at all; duplicated = a trial completed twice, listed
// twice in trials.jsonl, or an architecture handed out as two trials. Both must be 0.
// Needs root for the namespaces and the tmpfs; without, those rows say "skipped" and why.
/* global AbortController, __filename */
"use strict";
const { execFileSync, fork, spawn } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const BIN = path.join(root, "packages/cli/bin/segnas.js");
const CFG = path.join(root, "configs/demo.yaml");
const SECRET = "chaos-bench";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Worker host role (a child process): `count` workers; reports acknowledged results over IPC.

async function hostRole() {
  const worker = require(path.join(root, "packages/worker/dist"));
  const protocol = require(path.join(root, "packages/protocol/dist"));
  const logger = require("pino")({ level: "silent" });
  const cfg = JSON.parse(process.env.CHAOS_HOST);
  const sockets = new Set();
  const acked = [];
  const aborts = [];
  const runs = [];
  for (let i = 0; i < cfg.count; i++) {
    const epochMs = Math.round(cfg.epochMs * (0.5 + ((i * 7919) % 100) / 100));
    const abort = new AbortController();
    aborts.push(abort);
    const w = new worker.Worker({
      host: cfg.host,
      port: cfg.port,
      secret: SECRET,
      runner: worker.createFakeRunner({ epochs: 2, epochMs, writeFiles: false }),
      trialRoot: null,
      logger,
      connectRetrySeconds: 600,
      workerId: `${cfg.prefix}-${i}`,
      signal: abort.signal,
      connect: async () => {
        const s = await worker.connectWithRetry({
          host: cfg.host,
          port: cfg.port,
          retrySeconds: 600,
          maxDelayMs: 1000,
          signal: abort.signal,
        });
        // Tap the replies: which results did the server acknowledge?
        const decoder = new protocol.FrameDecoder();
        s.on("data", (d) => {
          try {
            for (const m of decoder.push(d)) if (m.type === "ack") acked.push(m.trialId);
          } catch {
            // the channel reports it
          }
        });
        sockets.add(s);
        s.once("close", () => sockets.delete(s));
        return s;
      },
    });
    runs.push(w.run().catch((e) => ({ error: String(e && e.message) })));
  }
  const flush = () => acked.length > 0 && process.send({ acked: acked.splice(0) });
  setInterval(flush, 100).unref();
  process.on("message", (m) => {
    if (m.cmd === "disconnect") {
      const all = [...sockets];
      for (let k = 0; k < m.n && all.length > 0; k++)
        all.splice(Math.floor(Math.random() * all.length), 1)[0].destroy();
    } else if (m.cmd === "stop") for (const a of aborts) a.abort();
  });
  const results = await Promise.all(runs);
  flush();
  process.send({ done: results.map((r) => r.outcome || r.error) }, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Hosts: network namespaces (a controller and two worker hosts that can be partitioned or cut),
// or plain loopback.

function sh(cmd, ...args) {
  return execFileSync(cmd, args, { stdio: "pipe" }).toString();
}
const inNs = (ns, ...cmd) => sh("ip", "netns", "exec", ns, ...cmd);

function makeNet() {
  const p = `sgc${crypto.randomBytes(2).toString("hex")}`;
  const made = [];
  const n = {
    ctl: `${p}-c`,
    ns: (i) => `${p}-w${i}`,
    addr: (i) => `10.200.${i}.1`,
    destroy() {
      for (const ns of made.splice(0).reverse())
        try {
          sh("ip", "netns", "del", ns);
        } catch {
          // gone
        }
    },
    partition(i) {
      for (const c of ["in", "out"]) inNs(n.ns(i), "nft", "add", "rule", "inet", "segnas", c, "drop");
    },
    heal(i) {
      for (const c of ["in", "out"]) inNs(n.ns(i), "nft", "flush", "chain", "inet", "segnas", c);
    },
    cut(i) {
      inNs(n.ctl, "ip", "link", "del", `${p}c${i}`);
    },
  };
  try {
    sh("ip", "netns", "add", n.ctl);
    made.push(n.ctl);
    inNs(n.ctl, "ip", "link", "set", "lo", "up");
    for (const i of [1, 2]) {
      sh("ip", "netns", "add", n.ns(i));
      made.push(n.ns(i));
      inNs(n.ns(i), "ip", "link", "set", "lo", "up");
      sh(
        "ip",
        "link",
        "add",
        `${p}c${i}`,
        "netns",
        n.ctl,
        "type",
        "veth",
        "peer",
        "name",
        `${p}w${i}`,
        "netns",
        n.ns(i),
      );
      inNs(n.ctl, "ip", "addr", "add", `10.200.${i}.1/24`, "dev", `${p}c${i}`);
      inNs(n.ctl, "ip", "link", "set", `${p}c${i}`, "up");
      inNs(n.ns(i), "ip", "addr", "add", `10.200.${i}.2/24`, "dev", `${p}w${i}`);
      inNs(n.ns(i), "ip", "link", "set", `${p}w${i}`, "up");
      inNs(n.ns(i), "nft", "add", "table", "inet", "segnas");
      inNs(n.ns(i), "nft", "add", "chain", "inet", "segnas", "in", "{ type filter hook input priority 0; }");
      inNs(
        n.ns(i),
        "nft",
        "add",
        "chain",
        "inet",
        "segnas",
        "out",
        "{ type filter hook output priority 0; }",
      );
    }
  } catch (e) {
    n.destroy();
    throw e;
  }
  return n;
}

function makeTmpfs(size) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-chaos-"));
  try {
    sh("mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const filler = path.join(dir, "filler");
  return {
    dir,
    fill() {
      const st = fs.statfsSync(dir);
      try {
        fs.writeFileSync(filler, Buffer.alloc(Number(st.bavail * st.bsize)));
      } catch {
        // full
      }
      for (let i = 0; i < 10000; i++)
        try {
          fs.writeFileSync(`${filler}.${i}`, Buffer.alloc(512));
        } catch {
          break;
        }
    },
    unfill() {
      for (const f of fs.readdirSync(dir)) if (f.startsWith("filler")) fs.rmSync(path.join(dir, f));
    },
    unmount() {
      sh("umount", "-l", dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The journal, read as it grows (complete lines only), each event tagged with the phase in which
// it was read.

class JournalTail {
  constructor(file) {
    this.file = file;
    this.offset = 0;
    this.events = [];
  }
  read(phase) {
    let fd;
    try {
      fd = fs.openSync(this.file, "r");
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      // A complete line that disappeared would be a lost acknowledged event: stop right here.
      if (size < this.offset) throw new Error(`the journal shrank below ${this.offset} bytes`);
      if (size === this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      // Only whole lines are consumed: a torn tail (a killed server) is cut off by the restart.
      const last = buf.lastIndexOf(10);
      if (last < 0) return;
      this.offset += last + 1;
      for (const line of buf.toString("utf8", 0, last).split("\n")) {
        if (!line) continue;
        const rec = JSON.parse(line);
        if (rec.event) this.events.push({ ...rec.event, phase });
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const quick = flag("quick");
  const minutes = Number(arg("minutes", quick ? 0.5 : 10));
  const total = Number(arg("workers", 200));
  const seed = Number(arg("seed", 1));
  const partitionS = Number(arg("partition-seconds", quick ? 8 : 60));
  const perHost = 10;
  const leaseS = quick ? 4 : 10;
  const epochMs = quick ? 600 : 1500;
  let rngState = seed >>> 0 || 1;
  const rand = () => {
    rngState = (rngState + 0x6d2b79f5) >>> 0;
    let t = rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const skipped = {};
  let nets = null;
  try {
    nets = makeNet();
  } catch (e) {
    skipped.partition =
      skipped.vanish = `no network namespaces here (${String(e.stderr || e.message).trim()})`;
  }
  let disk = null;
  try {
    disk = makeTmpfs("1g");
  } catch (e) {
    skipped["disk full"] = `cannot mount a tmpfs (${String(e.stderr || e.message).trim()})`;
  }
  const runDir = path.join(disk ? disk.dir : fs.mkdtempSync(path.join(os.tmpdir(), "segnas-chaos-")), "run");
  const port = 24000 + Math.floor(rand() * 1000);
  const overrides = [
    "SLIM.NAS_SEARCH_STEPS",
    "1000000",
    "SEGNAS.STRATEGY",
    "sa",
    "SOLVER.NUM_EPOCHS",
    "2",
    "SEGNAS.LEASE_SECONDS",
    String(leaseS),
    "SEGNAS.HEARTBEAT_SECONDS",
    "1",
    "SEGNAS.PORT_RETRY_SECONDS",
    "30",
  ];
  const children = new Set();
  let server = null;
  let serverLog = "";
  const startServer = async () => {
    const argv = [
      BIN,
      "server",
      "--cfg",
      CFG,
      "--run-dir",
      runDir,
      "--host",
      nets ? "0.0.0.0" : "127.0.0.1",
      "--port",
      String(port),
      ...overrides,
    ];
    const [cmd, args] = nets
      ? ["ip", ["netns", "exec", nets.ctl, process.execPath, ...argv]]
      : [process.execPath, argv];
    const child = spawn(cmd, args, {
      env: { ...process.env, SEGNAS_SECRET: SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    child.once("exit", () => children.delete(child));
    const onOut = (d) => {
      serverLog += d.toString();
      if (serverLog.length > 1 << 20) serverLog = serverLog.slice(-(1 << 19));
    };
    child.stdout.on("data", onOut);
    child.stderr.on("data", onOut);
    await new Promise((resolve, reject) => {
      const t = setInterval(() => {
        if (/listening on/.test(serverLog.slice(-4096)) || child.exitCode !== null) {
          clearInterval(t);
          if (child.exitCode === null) resolve();
          else reject(new Error(`the server exited:\n${serverLog.slice(-3000)}`));
        }
      }, 50);
    });
    serverLog = "";
    server = child;
  };
  const ackedByWorkers = new Set();
  const hosts = []; // { child, ns, index, prefix }
  let hostSeq = 0;
  const startHost = (slot, ns) => {
    const prefix = `h${slot}-${hostSeq++}`;
    const host = nets ? (ns ? nets.addr(ns) : "127.0.0.1") : "127.0.0.1";
    const env = {
      ...process.env,
      CHAOS_ROLE: "host",
      CHAOS_HOST: JSON.stringify({ count: perHost, host, port, prefix, epochMs }),
    };
    const child = nets
      ? spawn("ip", ["netns", "exec", ns ? nets.ns(ns) : nets.ctl, process.execPath, __filename], {
          env,
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        })
      : fork(__filename, [], { env });
    children.add(child);
    child.once("exit", () => children.delete(child));
    child.on("message", (m) => {
      if (m.acked) for (const id of m.acked) ackedByWorkers.add(id);
    });
    child.on("error", () => undefined);
    hosts[slot] = { child, ns, prefix };
  };
  const cleanup = () => {
    for (const c of children) c.kill("SIGKILL");
    nets?.destroy();
    try {
      disk?.unmount();
    } catch {
      // busy: lazy unmount already detached it
    }
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });

  const tail = new JournalTail(path.join(runDir, "journal.jsonl"));
  const rows = [];
  try {
    await startServer();
    const hostCount = Math.ceil(total / perHost);
    // Hosts 0 and 1 live in namespaces 1 and 2 (partition, vanish); the rest beside the server.
    for (let h = 0; h < hostCount; h++) startHost(h, nets && h < 2 ? h + 1 : null);
    await sleep(quick ? 4000 : 8000);
    tail.read("warm-up");

    const phase = async (name, ms, fault) => {
      if (skipped[name]) {
        rows.push({ name, skipped: skipped[name] });
        return;
      }
      const before = rssMb(server.pid);
      const injected = (await fault?.()) ?? 0;
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await sleep(500);
        tail.read(name);
      }
      tail.read(name);
      rows.push({ name, injected, before, after: rssMb(server.pid) });
      process.stderr.write(`  ${name}: done\n`);
    };
    const phaseMs = quick ? 5000 : 20_000;
    const randomHost = (from = 2) => from + Math.floor(rand() * (hosts.length - from));
    const killHost = (slot) => {
      const h = hosts[slot];
      h.child.kill("SIGKILL");
      startHost(slot, h.ns);
    };

    await phase("baseline", phaseMs);
    await phase("kill -9 worker host", phaseMs, async () => {
      for (let k = 0; k < 3; k++) {
        killHost(randomHost());
        await sleep(phaseMs / 4);
      }
      return 3;
    });
    await phase("kill -9 server", phaseMs + leaseS * 1000, async () => {
      server.kill("SIGKILL");
      await new Promise((r) => server.once("exit", r));
      await sleep(500);
      await startServer();
      return 1;
    });
    await phase("disconnects", phaseMs, async () => {
      for (const h of hosts) if (h.child.connected) h.child.send({ cmd: "disconnect", n: 3 });
      return hosts.length * 3;
    });
    await phase("stop reading (SIGSTOP)", phaseMs + leaseS * 1000, async () => {
      const h = hosts[randomHost()];
      h.child.kill("SIGSTOP");
      await sleep(leaseS * 1000 + 2000);
      h.child.kill("SIGCONT");
      return 1;
    });
    await phase("partition", partitionS * 1000 + phaseMs, async () => {
      nets.partition(1);
      return 1;
    });
    await phase("vanish (no FIN)", phaseMs + leaseS * 1000, async () => {
      nets.cut(2);
      hosts[1].child.kill("SIGKILL");
      // its replacement runs beside the server
      startHost(1, null);
      return 1;
    });
    await phase("disk full", phaseMs, async () => {
      disk.fill();
      await sleep(3000);
      disk.unfill();
      return 1;
    });
    await phase("junk and trickling peers", phaseMs, async () => {
      // From where the server can be reached: its own namespace, or here.
      const script =
        `const net=require("net"),c=require("crypto");for(let k=0;k<20;k++){const s=net.connect(${port},"127.0.0.1");` +
        `s.on("error",()=>{});s.on("connect",()=>s.write(c.randomBytes(64)))}` +
        `const t=net.connect(${port},"127.0.0.1");t.on("error",()=>{});` +
        `const i=setInterval(()=>t.writable&&t.write(Buffer.from([0])),1000);setTimeout(()=>process.exit(0),${phaseMs})`;
      const [cmd, args] = nets
        ? ["ip", ["netns", "exec", nets.ctl, process.execPath, "-e", script]]
        : [process.execPath, ["-e", script]];
      const child = spawn(cmd, args, { stdio: "ignore" });
      children.add(child);
      child.once("exit", () => children.delete(child));
      return 21;
    });
    const soakMs = minutes * 60_000;
    let soakFaults = 0;
    await phase(`soak ${minutes} min (${total} workers)`, 0, async () => {
      const end = Date.now() + soakMs;
      while (Date.now() < end) {
        await sleep(2000 + rand() * 4000);
        const r = rand();
        if (r < 0.45) killHost(randomHost());
        else if (r < 0.95) {
          const h = hosts[randomHost()];
          if (h.child.connected) h.child.send({ cmd: "disconnect", n: 2 });
        } else {
          server.kill("SIGKILL");
          await new Promise((res) => server.once("exit", res));
          await startServer();
        }
        soakFaults++;
        tail.read(`soak ${minutes} min (${total} workers)`);
      }
      return soakFaults;
    });

    // Drain: workers stop (their leases go back), the server stops; then the final accounts.
    for (const h of hosts) if (h.child.connected) h.child.send({ cmd: "stop" });
    await Promise.race([
      Promise.all(
        hosts.map((h) => new Promise((r) => (h.child.exitCode !== null ? r() : h.child.once("exit", r)))),
      ),
      sleep(30_000),
    ]);
    const rssEnd = rssMb(server.pid);
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
    tail.read("drain");
    report(rows, tail.events, runDir, ackedByWorkers, rssEnd, {
      quick,
      minutes,
      total,
      seed,
      partitionS,
      leaseS,
      nets: !!nets,
    });
  } finally {
    cleanup();
  }
}

function report(rows, events, runDir, acked, rssEnd, o) {
  const trials = new Map(); // trialId -> { completions, lastLeasePhase, tokens, status }
  const byTokens = new Map();
  const t = (id) => {
    if (!trials.has(id)) trials.set(id, { completions: [], status: "proposed", lastLeasePhase: null });
    return trials.get(id);
  };
  const zero = () => ({ handed: 0, completed: 0, reissued: 0, requeued: 0, lost: 0, dup: 0 });
  const per = new Map([...rows.map((r) => [r.name, zero()]), ["warm-up", zero()], ["drain", zero()]]);
  const stat = (phase) => {
    if (!per.has(phase)) per.set(phase, zero());
    return per.get(phase);
  };
  for (const e of events) {
    if (e.type === "trial-proposed") {
      const key = JSON.stringify(e.tokens);
      if (byTokens.has(key)) stat(e.phase).dup++;
      byTokens.set(key, e.trialId);
      t(e.trialId).status = "queued";
    } else if (e.type === "trial-leased") {
      stat(e.phase).handed++;
      if (e.attempt > 1) stat(e.phase).reissued++;
      t(e.trialId).status = "leased";
      t(e.trialId).lastLeasePhase = e.phase;
    } else if (e.type === "trial-requeued") {
      t(e.trialId).status = "queued";
      stat(e.phase).requeued++;
    } else if (e.type === "trial-completed") {
      const r = t(e.trialId);
      if (r.completions.length > 0) stat(e.phase).dup++;
      r.completions.push(e.phase);
      r.status = "completed";
      stat(e.phase).completed++;
    } else if (e.type === "trial-failed") t(e.trialId).status = "failed";
  }
  // Acknowledged results that the journal does not have: lost.
  let lostAcked = 0;
  for (const id of acked) {
    const r = trials.get(id);
    if (!r || (r.status !== "completed" && r.status !== "failed")) {
      lostAcked++;
      stat(r?.lastLeasePhase ?? "drain").lost++;
    }
  }
  // The trial table written by the server must list each trial once, with the journal's status.
  const table = fs
    .readFileSync(path.join(runDir, "trials.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const seen = new Set();
  let tableDup = 0;
  let tableMismatch = 0;
  for (const row of table) {
    if (seen.has(row.trial)) tableDup++;
    seen.add(row.trial);
    const r = trials.get(row.trial);
    if (!r || (row.status === "completed") !== (r.status === "completed")) tableMismatch++;
  }
  const missingInTable = [...trials.keys()].filter((id) => !seen.has(id)).length;
  const totalRow = zero();
  const lines = [];
  const head = [
    "fault",
    "injected",
    "handed out",
    "completed",
    "re-issued",
    "requeued",
    "lost",
    "duplicated",
    "RSS before",
    "RSS after",
  ];
  lines.push(head);
  const countsRow = (name, injected, s, before, after) => [
    name,
    injected,
    s.handed,
    s.completed,
    s.reissued,
    s.requeued,
    s.lost,
    s.dup,
    before,
    after,
  ];
  for (const r of rows) {
    if (r.skipped) {
      lines.push([r.name, `skipped: ${r.skipped}`]);
      continue;
    }
    const s = stat(r.name);
    for (const k of Object.keys(totalRow)) totalRow[k] += s[k];
    lines.push(countsRow(r.name, r.injected, s, `${r.before} MB`, `${r.after} MB`));
  }
  for (const extra of ["warm-up", "drain"]) {
    const s = stat(extra);
    lines.splice(extra === "warm-up" ? 1 : lines.length, 0, countsRow(extra, "", s, "", ""));
    for (const k of Object.keys(totalRow)) totalRow[k] += s[k];
  }
  const lost = totalRow.lost;
  const dup = totalRow.dup + tableDup;
  lines.push(countsRow("total", "", { ...totalRow, lost, dup }, "", `${rssEnd} MB`));
  const widths = head.map((_, i) =>
    Math.max(...lines.map((l) => (l.length > 2 || i < 2 ? String(l[i] ?? "").length : 0))),
  );
  console.log(
    `\nbench:chaos — ${o.total} simulated workers (10 per host process), lease ${o.leaseS} s, ` +
      `partition ${o.partitionS} s, ${o.nets ? "namespaces" : "loopback"}, seed ${o.seed}${o.quick ? ", --quick" : ""}\n`,
  );
  for (const l of lines)
    console.log(
      l.length === 2
        ? `${String(l[0]).padEnd(widths[0])}  ${l[1]}`
        : l.map((c, i) => String(c).padEnd(widths[i])).join("  "),
    );
  console.log(
    `\njournal: ${trials.size} trials, ${[...trials.values()].filter((r) => r.status === "completed").length} completed; ` +
      `results the workers saw acknowledged: ${acked.size}, of them missing in the journal: ${lostAcked}; ` +
      `trials.jsonl: ${table.length} rows, ${tableDup} listed twice, ${missingInTable} missing, ${tableMismatch} disagreeing`,
  );
  const bySlot = new Map();
  for (const e of events)
    if (e.type === "trial-completed") {
      const slot = /^h(\d+)-/.exec(e.worker ?? "")?.[1] ?? "?";
      bySlot.set(slot, (bySlot.get(slot) ?? 0) + 1);
    }
  console.log(
    `results per worker host: ${[...bySlot]
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([k, v]) => `h${k} ${v}`)
      .join(", ")}` + (o.nets ? " (h0, h1 in their own namespaces: partitioned, vanished)" : ""),
  );
  const ok = lost === 0 && dup === 0 && tableMismatch === 0 && missingInTable === 0;
  console.log(ok ? "OK: 0 lost, 0 duplicated" : "FAILED: results were lost or duplicated");
  process.exitCode = ok ? 0 : 1;
}

if (process.env.CHAOS_ROLE === "host") void hostRole();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
