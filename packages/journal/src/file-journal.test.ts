import {
  closeSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  appendFileSync,
  statSync,
  existsSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { JournalCorruptError, JournalLockedError } from "./errors";
import { FileJournal, JOURNAL_FILE, LOCK_FILE } from "./file-journal";
import { Journal } from "./index";
import { measureFsync } from "./measure-fsync";
import type { RecoveryEvent } from "./types";

const root = mkdtempSync(path.join(tmpdir(), "segnas-journal-"));
let n = 0;
const freshDir = () => path.join(root, `run-${n++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const header = { studyId: "s" };
type Ev = { k: string; i?: number };

async function makeJournal(dir: string, events: Ev[]): Promise<string> {
  const j = await FileJournal.open<Ev>(dir, { header });
  await j.append(events);
  await j.close();
  return path.join(dir, JOURNAL_FILE);
}

describe("FileJournal on disk", () => {
  it("writes one checksummed JSON line per event after a header line", async () => {
    const file = await makeJournal(freshDir(), [{ k: "a" }, { k: "b", i: 2 }]);
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe("");
    const parsed = lines.slice(0, 3).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ seq: 0, header: { studyId: "s", format: "segnas-journal/1" } });
    expect(parsed[1]).toMatchObject({ seq: 1, event: { k: "a" } });
    expect(parsed[2]).toMatchObject({ seq: 2, event: { k: "b", i: 2 } });
    for (const p of parsed) expect(p.crc).toMatch(/^[0-9a-f]{8}$/);
  });

  it("drops only a torn last line, at every byte offset, and says so", async () => {
    const dir = freshDir();
    const file = await makeJournal(dir, [{ k: "a" }, { k: "b" }, { k: "last", i: 3 }]);
    const full = readFileSync(file);
    const lastStart = full.lastIndexOf(10, full.length - 2) + 1;
    for (let cut = lastStart; cut < full.length; cut++) {
      writeFileSync(file, full.subarray(0, cut));
      const recovered: RecoveryEvent[] = [];
      const j = await FileJournal.open<Ev>(dir, { header, onRecover: (e) => recovered.push(e) });
      expect((await j.readAll()).map((r) => r.event.k)).toEqual(["a", "b"]);
      expect(j.lastSeq).toBe(2);
      if (cut > lastStart) {
        expect(recovered).toEqual([
          { kind: "torn-tail", file, line: 4, droppedBytes: cut - lastStart, truncatedTo: lastStart },
        ]);
      } else expect(recovered).toEqual([]);
      expect(statSync(file).size).toBe(lastStart);
      await j.close();
    }
    // and the journal goes on after a recovery
    writeFileSync(file, full.subarray(0, full.length - 3));
    const j = await FileJournal.open<Ev>(dir, { header });
    await j.append([{ k: "again" }]);
    expect((await j.readAll()).map((r) => [r.seq, r.event.k])).toEqual([
      [1, "a"],
      [2, "b"],
      [3, "again"],
    ]);
    await j.close();
  });

  it("treats a complete but damaged last line, or trailing zeros, as torn", async () => {
    const dir = freshDir();
    const file = await makeJournal(dir, [{ k: "a" }, { k: "b" }]);
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace('"k":"b"', '"k":"B"'));
    let j = await FileJournal.open<Ev>(dir, { header });
    expect((await j.readAll()).map((r) => r.event.k)).toEqual(["a"]);
    await j.close();
    appendFileSync(file, Buffer.alloc(100));
    const recovered: RecoveryEvent[] = [];
    j = await FileJournal.open<Ev>(dir, { header, onRecover: (e) => recovered.push(e) });
    expect(await j.readAll()).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ kind: "torn-tail", droppedBytes: 100 });
    await j.close();
  });

  it("refuses damage before the last line, naming the line", async () => {
    const dir = freshDir();
    const file = await makeJournal(dir, [{ k: "a" }, { k: "b" }, { k: "c" }]);
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace('"k":"b"', '"k":"x"'));
    const err = await FileJournal.open(dir, { header }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect((err as JournalCorruptError).data).toMatchObject({ file, line: 3, reason: "checksum mismatch" });
    expect((err as Error).message).toMatch(/damaged at line 3: checksum mismatch/);
    // the refusal released the lock and left the file alone
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(good.replace('"k":"b"', '"k":"x"'));
  });

  it("refuses a missing line (a sequence gap)", async () => {
    const dir = freshDir();
    const file = await makeJournal(dir, [{ k: "a" }, { k: "b" }, { k: "c" }]);
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, [lines[0], lines[1], lines[3], ""].join("\n"));
    const err = await FileJournal.open(dir, { header }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect((err as Error).message).toMatch(/line 3: expected sequence number 2, found 3/);
  });

  it("starts over when even the header was torn", async () => {
    const dir = freshDir();
    const file = await makeJournal(dir, []);
    truncateSync(file, 10);
    const j = await FileJournal.open<Ev>(dir, { header });
    expect(j.created).toBe(true);
    await j.append([{ k: "a" }]);
    expect(await j.readAll()).toEqual([{ seq: 1, event: { k: "a" } }]);
    await j.close();
  });

  it("resolves each append only after its line is in the file", async () => {
    const dir = freshDir();
    const j = await FileJournal.open<Ev>(dir, { header });
    const file = path.join(dir, JOURNAL_FILE);
    const checks = Array.from({ length: 30 }, (_, i) =>
      j.append([{ k: "e", i }]).then(() => {
        expect(readFileSync(file, "utf8")).toContain(`{"k":"e","i":${i}}`);
      }),
    );
    await Promise.all(checks);
    // group commit: 30 appends issued in one turn of the event loop share one write + fsync
    expect(j.stats.appends).toBe(30);
    expect(j.stats.commits).toBe(1);
    await j.append([{ k: "later" }]);
    expect(j.stats.commits).toBe(2);
    await j.close();
  });

  it("fails every waiting append when a write fails, and refuses the rest", async () => {
    const dir = freshDir();
    const j = await FileJournal.open<Ev>(dir, { header });
    await j.append([{ k: "a" }]);
    // Pull the file out from under it (what EIO or a vanished disk looks like to the journal).
    const fh = (j as unknown as { fh: { fd: number; close(): Promise<void> } }).fh;
    closeSync(fh.fd);
    const waiting = [j.append([{ k: "b" }]), j.append([{ k: "c" }])];
    for (const w of waiting) await expect(w).rejects.toMatchObject({ code: "SEGNAS_E_INTERNAL" });
    await expect(j.append([{ k: "d" }])).rejects.toThrow(/write failed/);
    await j.close().catch(() => undefined);
    const reopened = await FileJournal.open<Ev>(dir, { header });
    expect((await reopened.readAll()).map((r) => r.event.k)).toEqual(["a"]);
    await reopened.close();
  });

  it("replays only what is durable, even while appends are in flight", async () => {
    const dir = freshDir();
    const j = await FileJournal.open<Ev>(dir, { header });
    await j.append([{ k: "a" }]);
    const pending = j.append([{ k: "b" }]);
    const seen = await j.readAll();
    expect(seen.map((r) => r.event.k)).toEqual(["a"]);
    await pending;
    expect((await j.readAll()).map((r) => r.event.k)).toEqual(["a", "b"]);
    await j.close();
  });

  it("replays long journals across read chunks, with long lines", async () => {
    const dir = freshDir();
    const j = await FileJournal.open<{ s: string; i: number }>(dir, { header, fsync: false });
    const big = "x".repeat(300_000);
    const events = Array.from({ length: 12 }, (_, i) => ({ s: i % 3 === 0 ? big : "y", i }));
    await j.append(events);
    await j.close();
    const k = await FileJournal.open<{ s: string; i: number }>(dir, { header });
    expect((await k.readAll()).map((r) => r.event)).toEqual(events);
    await k.close();
  });

  describe("lock", () => {
    it("names the other live process", async () => {
      const dir = freshDir();
      await makeJournal(dir, []);
      writeFileSync(
        path.join(dir, LOCK_FILE),
        JSON.stringify({ pid: process.ppid, hostname: hostname(), startedAt: "x" }),
      );
      const err = await FileJournal.open(dir, { header }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalLockedError);
      expect((err as Error).message).toMatch(
        new RegExp(`in use by process ${process.ppid} on ${hostname()}`),
      );
      expect((err as JournalLockedError).code).toBe("SEGNAS_E_JOURNAL_LOCKED");
    });

    it("takes over a stale lock of a dead process, and reports it", async () => {
      const dir = freshDir();
      await makeJournal(dir, [{ k: "a" }]);
      const deadPid = 2 ** 22 + 12345; // above pid_max on usual systems
      writeFileSync(
        path.join(dir, LOCK_FILE),
        JSON.stringify({ pid: deadPid, hostname: hostname(), startedAt: "x" }),
      );
      const recovered: RecoveryEvent[] = [];
      const j = await FileJournal.open<Ev>(dir, { header, onRecover: (e) => recovered.push(e) });
      expect(recovered).toEqual([
        { kind: "stale-lock", lockFile: path.join(dir, LOCK_FILE), pid: deadPid, hostname: hostname() },
      ]);
      expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
      await j.close();
      expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    });

    it("will not guess about a lock from another host", async () => {
      const dir = freshDir();
      await makeJournal(dir, []);
      writeFileSync(
        path.join(dir, LOCK_FILE),
        JSON.stringify({ pid: 1, hostname: "elsewhere", startedAt: "x" }),
      );
      const err = await FileJournal.open(dir, { header }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/process 1 on elsewhere.*delete the lock file if you are sure/);
    });
  });

  it("Journal.open and Journal.inMemory build the two implementations", async () => {
    const j = await Journal.open<Ev>(freshDir(), { header });
    expect(j).toBeInstanceOf(FileJournal);
    await j.close();
    const m = await Journal.inMemory<Ev>({ header });
    await m.append([{ k: "a" }]);
    expect(await m.readAll()).toEqual([{ seq: 1, event: { k: "a" } }]);
    await m.close();
  });

  it("measures fsync cost", async () => {
    const dir = freshDir();
    const s = await measureFsync(dir, 5);
    expect(s.n).toBe(5);
    expect(s.meanMs).toBeGreaterThan(0);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
    expect(s.totalMs).toBeCloseTo(s.meanMs * 5);
    await expect(measureFsync(dir, 0)).rejects.toThrow(RangeError);
  });
});
