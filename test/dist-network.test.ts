/**
 * The controller's network edges with real processes: busy ports (retry, then a clear error),
 * restart on a port in TIME_WAIT, port 0, the shared secret, and hostile bytes on the wire.
 */
import * as fs from "fs";
import * as net from "net";
import {
  freePort,
  killAll,
  quick,
  readJournal,
  segnas,
  sleep,
  startServer,
  startWorker,
  tmpRunDir,
  serverArgs,
} from "./dist-helpers";

jest.setTimeout(120_000);
afterEach(killAll);

function hold(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

/** Sockets in TIME_WAIT (state 06) on a local port, from /proc/net/tcp. */
function timeWaitOn(port: number): number {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    return fs
      .readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .filter((l) => {
        const cols = l.trim().split(/\s+/);
        return cols[1]?.endsWith(`:${hex}`) && cols[3] === "06";
      }).length;
  } catch {
    return -1;
  }
}

/** Sends raw bytes on a fresh connection; returns what came back before the server closed it. */
function rawExchange(port: number, bytes: Buffer, endAfter: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.write(bytes);
      if (endAfter) s.end();
    });
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks)));
    setTimeout(() => reject(new Error("the server did not close the connection")), 20_000).unref();
  });
}

describe("network edges (processes)", () => {
  it("a busy port is retried, then fails with the port, its holder and how to choose another", async () => {
    const port = await freePort();
    const holder = await hold(port);
    try {
      const runDir = tmpRunDir("busy");
      const server = segnas("server", serverArgs(runDir, port, quick(2, ["SEGNAS.PORT_RETRY_SECONDS", "1"])));
      const { code } = await server.exited;
      expect(code).toBe(4);
      const err = server.err();
      expect(err).toMatch(new RegExp(`port ${port} .*busy.*retrying for up to 1 s`));
      expect(err).toMatch(
        new RegExp(
          `error \\[SEGNAS_E_PORT_BUSY\\]: port ${port} \\(127\\.0\\.0\\.1\\) is in use, held by pid ${process.pid}`,
        ),
      );
      expect(err).toMatch(/SLIM\.NAS_PORT <port>/);
    } finally {
      holder.close();
    }
  });

  it("a port freed within the retry window is taken; port 0 picks a free port and prints it", async () => {
    const port = await freePort();
    const holder = await hold(port);
    const proc = segnas(
      "server",
      serverArgs(tmpRunDir("retry"), port, quick(2, ["SEGNAS.PORT_RETRY_SECONDS", "60"])),
    );
    // Free the port once the server has found it busy and is retrying: it must then take it.
    await proc.waitFor(/busy/);
    holder.close();
    const m = await proc.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    expect(Number(m[1])).toBe(port);
    proc.kill("SIGKILL");
    const zero = await startServer(tmpRunDir("zero"), quick(2));
    expect(zero.port).toBeGreaterThan(0);
  });

  it("restarting right after a stop works although the port has connections in TIME_WAIT", async () => {
    const runDir = tmpRunDir("timewait");
    const port = await freePort();
    const overrides = quick(3, ["SEGNAS.PORT_RETRY_SECONDS", "0"]);
    const first = await startServer(runDir, overrides, { port, name: "server-1" });
    const worker = startWorker("worker", port, runDir, overrides, { SEGNAS_FAKE_EPOCH_MS: "400" });
    await worker.waitFor(/trial \d+: training/);
    // Ctrl-C: the server closes the workers' connections itself, leaving them in TIME_WAIT.
    first.proc.kill("SIGINT");
    expect((await first.proc.exited).code).toBe(130);
    const waiting = timeWaitOn(port);
    const second = await startServer(runDir, overrides, { port, name: "server-2" });
    expect(second.port).toBe(port);
    if (waiting >= 0) expect(waiting).toBeGreaterThan(0);
    expect((await worker.exited).code).toBe(0);
    expect((await second.proc.exited).code).toBe(0);
    expect(readJournal(runDir).filter((e) => e.type === "trial-completed")).toHaveLength(3);
  });

  it("with SEGNAS.SECRET: a wrong or missing secret is refused, the right one works", async () => {
    const runDir = tmpRunDir("secret");
    const overrides = quick(2, ["SEGNAS.CONNECT_RETRY_SECONDS", "5"]);
    const { proc: server, port } = await startServer(runDir, overrides, { env: { SEGNAS_SECRET: "s3cret" } });
    const wrong = startWorker("wrong", port, runDir, overrides, { SEGNAS_SECRET: "guess" });
    const none = startWorker("none", port, runDir, overrides, { SEGNAS_SECRET: "" });
    for (const w of [wrong, none]) {
      expect((await w.exited).code).toBe(1);
      expect(w.err()).toMatch(/error \[SEGNAS_E_AUTH\]/);
    }
    expect(wrong.err()).toMatch(/secrets of server and worker differ/);
    expect(server.err()).toMatch(/handshake refused/);
    const right = startWorker("right", port, runDir, overrides, { SEGNAS_SECRET: "s3cret" });
    expect((await right.exited).code).toBe(0);
    expect((await server.exited).code).toBe(0);
  });

  it("junk bytes, an oversized length and a truncated frame close that connection with an error; the search goes on", async () => {
    const runDir = tmpRunDir("junk");
    const overrides = quick(4);
    const { proc: server, port } = await startServer(runDir, overrides);
    const worker = startWorker("worker", port, runDir, overrides, { SEGNAS_FAKE_EPOCH_MS: "150" });
    await worker.waitFor(/trial \d+: training/);
    const junk = await rawExchange(port, Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false);
    expect(junk.toString("latin1")).toMatch(/SEGNAS_E_FRAME_TOO_LARGE|SEGNAS_E_BAD_MESSAGE/);
    const huge = await rawExchange(port, Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), false);
    expect(huge.toString("latin1")).toMatch(/SEGNAS_E_FRAME_TOO_LARGE/);
    const garbage = Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]);
    expect((await rawExchange(port, garbage, false)).toString("latin1")).toMatch(/SEGNAS_E_BAD_MESSAGE/);
    // A truncated frame: the peer closes inside it; the server drops it (nothing to answer).
    await rawExchange(port, Buffer.from([0, 0, 0, 40, 0x82, 0xa4]), true);
    await sleep(100);
    expect((await worker.exited).code).toBe(0);
    expect((await server.exited).code).toBe(0);
    expect(readJournal(runDir).filter((e) => e.type === "trial-completed")).toHaveLength(4);
  });
});
