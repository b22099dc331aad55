/**
 * Helpers for the end-to-end tests of the distributed search: run the built CLI as real
 * processes on loopback, with the fake trainer (SEGNAS_FAKE_TRAINER=1) so trials take
 * milliseconds instead of minutes.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { BIN, ROOT } from "./helpers";

export const DEMO_CFG = path.join(ROOT, "configs", "demo.yaml");

export interface Proc {
  readonly child: ChildProcess;
  readonly name: string;
  out(): string;
  err(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout+stderr match `re` (rejects after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): void;
}

const running = new Set<Proc>();

export function segnas(
  name: string,
  args: string[],
  env: Record<string, string> = {},
  opts: { netns?: string } = {},
): Proc {
  // In a network namespace: `ip netns exec` execs node there (same pid, so kill() reaches it).
  const argv = [BIN, ...args];
  const [cmd, cmdArgs] = opts.netns
    ? ["ip", ["netns", "exec", opts.netns, process.execPath, ...argv]]
    : [process.execPath, argv];
  const child = spawn(cmd, cmdArgs, {
    cwd: ROOT,
    env: { ...process.env, SEGNAS_FAKE_TRAINER: "1", SEGNAS_FAKE_EPOCH_MS: "40", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const proc: Proc = {
    child,
    name,
    out: () => stdout,
    err: () => stderr,
    exited,
    waitFor(re, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = (stdout + stderr).match(re);
          if (m) {
            listeners.delete(onData);
            clearTimeout(timer);
            resolve(m);
            return true;
          }
          return false;
        };
        const onData = (): void => void check();
        const fail = (why: string): void => {
          listeners.delete(onData);
          clearTimeout(timer);
          reject(new Error(`${name}: no ${re} ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        };
        const timer = setTimeout(() => fail(`within ${ms} ms`), ms);
        listeners.add(onData);
        // A process that exits without printing it never will: fail now, with its output.
        if (!check())
          void exited.then(({ code }) => setTimeout(() => check() || fail(`before it exited (${code})`), 50));
      });
    },
    kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

const dirs: string[] = [];

/** Kills whatever a test left running and removes its run directories (call in afterEach). */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const p of left) p.kill("SIGKILL");
  await Promise.all(left.map((p) => p.exited));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function tmpRunDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `segnas-${tag}-`));
  dirs.push(dir);
  return dir;
}

/** A port that was free a moment ago (for tests that need the same port across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Overrides that make a search small and its timeouts short. */
export function quick(steps: number, extra: string[] = []): string[] {
  return [
    "SLIM.NAS_SEARCH_STEPS",
    String(steps),
    "SOLVER.NUM_EPOCHS",
    "2",
    "SEGNAS.HEARTBEAT_SECONDS",
    "0.3",
    "SEGNAS.LEASE_SECONDS",
    "30",
    "SEGNAS.CONNECT_RETRY_SECONDS",
    "30",
    "SEGNAS.PORT_RETRY_SECONDS",
    "5",
    ...extra,
  ];
}

/** The `segnas server` command line on `host` (127.0.0.1 unless given) with the demo config. */
export function serverArgs(runDir: string, port: number, overrides: string[], host = "127.0.0.1"): string[] {
  return [
    "server",
    "--cfg",
    DEMO_CFG,
    "--run-dir",
    runDir,
    "--host",
    host,
    "--port",
    String(port),
    ...overrides,
  ];
}

/** Starts `segnas server` on 127.0.0.1 (port 0 unless given) and waits until it listens. */
export async function startServer(
  runDir: string,
  overrides: string[],
  opts: { port?: number; env?: Record<string, string>; name?: string } = {},
): Promise<{ proc: Proc; port: number }> {
  const proc = segnas(opts.name ?? "server", serverArgs(runDir, opts.port ?? 0, overrides), opts.env);
  const m = await proc.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
  return { proc, port: Number(m[1]) };
}

export function startWorker(
  name: string,
  port: number,
  runDir: string,
  overrides: string[],
  env: Record<string, string> = {},
): Proc {
  return segnas(
    name,
    ["worker", "--cfg", DEMO_CFG, "--address", `127.0.0.1:${port}`, "--run-dir", runDir, ...overrides],
    env,
  );
}

export interface JournalEvent {
  type: string;
  trialId?: number;
  worker?: string;
  reward?: number;
  [k: string]: unknown;
}

/** The events of a run directory's journal (skipping the header line). */
export function readJournal(runDir: string): JournalEvent[] {
  const text = fs.readFileSync(path.join(runDir, "journal.jsonl"), "utf8");
  const events: JournalEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      // a line in a format with a checksum prefix: take the JSON part
      const i = line.indexOf("{");
      if (i < 0) continue;
      rec = JSON.parse(line.slice(i));
    }
    const r = rec as { event?: JournalEvent; type?: string };
    if (r.event && typeof r.event.type === "string") events.push(r.event);
  }
  return events;
}

export function readTrials(runDir: string): Array<Record<string, unknown>> {
  const file = path.join(runDir, "trials.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `ok` every `everyMs` until it holds; throws after `ms` (a failing test ends by itself). */
export async function until(what: string, ok: () => boolean, ms = 60_000, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
