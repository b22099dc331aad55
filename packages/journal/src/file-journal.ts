/**
 * The durable journal: `journal.jsonl` in a run directory, one checksummed JSON line per event
 * (see line-format.ts), appended with group commit (one write + one fdatasync for all appends
 * waiting at that moment). Opening verifies every line: a damaged or incomplete LAST line is
 * what a crash mid-write leaves, so it is cut off (and reported); damage anywhere else is an
 * error naming the line (`segnas journal repair` salvages such a file).
 *
 * A full disk (ENOSPC, EDQUOT) is not fatal: the failed batch is cut off again, stays queued and
 * is retried with backoff while its appends stay pending (the server acknowledges nothing it
 * could not make durable), reported once through `onStall` and again through `onResume`.
 */
import { fdatasyncSync, ftruncateSync, promises as fs, writeSync } from "node:fs";
import * as path from "node:path";
import { SegnasError } from "@segnas/core";
import { JournalCorruptError, JournalMismatchError } from "./errors";
import { decodeLine, encodeLine } from "./line-format";
import { acquireLock, type HeldLock } from "./lock";
import {
  JOURNAL_FORMAT,
  collect,
  type Journal,
  type JournalOpenOptions,
  type JournalRecord,
  type JournalStats,
  type StoredJournalHeader,
} from "./types";

export const JOURNAL_FILE = "journal.jsonl";
export const LOCK_FILE = "journal.lock";
const READ_CHUNK = 1 << 20;
/** Retry of a write that found the disk full: first delay, doubling up to the largest. */
const STALL_RETRY_FIRST_MS = 200;
const STALL_RETRY_MAX_MS = 2000;

/** Errors after which writing again later can succeed (space or quota freed). */
function isRetryable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

interface Waiting {
  data: string;
  events: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The newline-terminated lines in [start, end) with their offsets; an unterminated rest is not yielded. */
async function* readLines(
  fh: fs.FileHandle,
  start: number,
  end: number,
): AsyncGenerator<{ text: string; offset: number; next: number }> {
  let pos = start;
  let carry = Buffer.alloc(0);
  let carryStart = start;
  while (pos < end) {
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos));
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const data = carry.length
      ? Buffer.concat([carry, buf.subarray(0, bytesRead)])
      : buf.subarray(0, bytesRead);
    let from = 0;
    for (let nl = data.indexOf(10, from); nl >= 0; nl = data.indexOf(10, from)) {
      yield { text: data.toString("utf8", from, nl), offset: carryStart + from, next: carryStart + nl + 1 };
      from = nl + 1;
    }
    carryStart += from;
    carry = Buffer.from(data.subarray(from));
  }
}

export class FileJournal<E> implements Journal<E> {
  private constructor(
    readonly file: string,
    readonly header: StoredJournalHeader,
    readonly created: boolean,
    private fh: fs.FileHandle,
    private lock: HeldLock | null,
    /** File offset where events start (after the header line). */
    private readonly eventsStart: number,
    /** Bytes known durable: replay reads up to here. */
    private durableBytes: number,
    private seq: number,
    private readonly fsync: boolean,
    private readonly onStall?: JournalOpenOptions["onStall"],
    private readonly onResume?: JournalOpenOptions["onResume"],
  ) {}

  private queue: Waiting[] = [];
  private flushing: Promise<void> | null = null;
  private broken: unknown = null;
  private closed = false;
  /** Since when writes find the disk full (null: not stalled), and the pending retry. */
  private stalledSince: number | null = null;
  private stallRetry: NodeJS.Timeout | null = null;
  private stallDelay = STALL_RETRY_FIRST_MS;
  private stallError: NodeJS.ErrnoException | null = null;
  private readonly counters: JournalStats = { appends: 0, events: 0, commits: 0, bytes: 0 };

  get lastSeq(): number {
    return this.seq;
  }

  get stats(): Readonly<JournalStats> {
    return { ...this.counters };
  }

  /** Opens (or creates) the journal in `dir`, taking the directory's lock. */
  static async open<E>(dir: string, options: JournalOpenOptions): Promise<FileJournal<E>> {
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, JOURNAL_FILE);
    const lock =
      options.lock === false ? null : await acquireLock(path.join(dir, LOCK_FILE), options.onRecover);
    let fh: fs.FileHandle | null = null;
    try {
      fh = await fs.open(file, "a+");
      const size = (await fh.stat()).size;
      let header: StoredJournalHeader | null = null;
      let headerEnd = 0;
      let seq = 0;
      // Lines that failed the check, kept until we know whether more lines follow them.
      let badLine: { line: number; offset: number; reason: string } | null = null;
      let lineNo = 0;
      let rest = 0;
      for await (const { text, offset, next } of readLines(fh, 0, size)) {
        lineNo++;
        if (badLine) throw new JournalCorruptError(file, badLine.line, badLine.reason);
        rest = next;
        const isHeader = lineNo === 1;
        const d = decodeLine(text, isHeader ? "header" : "event");
        if (!d.ok) {
          badLine = { line: lineNo, offset, reason: d.reason };
          continue;
        }
        if (d.seq !== (isHeader ? 0 : seq + 1))
          throw new JournalCorruptError(
            file,
            lineNo,
            `expected sequence number ${isHeader ? 0 : seq + 1}, found ${d.seq}`,
          );
        if (isHeader) {
          const h = d.value as StoredJournalHeader;
          if (!h || h.format !== JOURNAL_FORMAT || typeof h.studyId !== "string")
            throw new JournalCorruptError(file, 1, `not a ${JOURNAL_FORMAT} header`);
          header = h;
          headerEnd = next;
        } else seq = d.seq;
      }
      // A torn tail: an unterminated rest, and/or a bad last complete line.
      const bad = badLine as { line: number; offset: number; reason: string } | null;
      const keep = bad ? bad.offset : rest;
      if (keep < size) {
        await fh.truncate(keep);
        await fh.sync();
        options.onRecover?.({
          kind: "torn-tail",
          file,
          line: bad ? bad.line : lineNo + 1,
          droppedBytes: size - keep,
          truncatedTo: keep,
        });
      }
      const found = header as StoredJournalHeader | null;
      // A journal without events belongs to no study yet (e.g. a start refused for a bad setting
      // or a busy port): the study opening it now takes it over.
      const unused = found !== null && keep <= headerEnd && found.studyId !== options.header.studyId;
      if (found === null || unused) {
        // New journal (or one whose header never made it to disk): write the header.
        const stored: StoredJournalHeader = {
          ...options.header,
          format: JOURNAL_FORMAT,
          createdAt: new Date().toISOString(),
        };
        const line = encodeLine(0, "header", stored);
        await fh.truncate(0);
        await fh.write(line);
        await fh.sync();
        await syncDir(dir);
        const end = Buffer.byteLength(line);
        return new FileJournal<E>(
          file,
          stored,
          true,
          fh,
          lock,
          end,
          end,
          0,
          options.fsync !== false,
          options.onStall,
          options.onResume,
        );
      }
      if (found.studyId !== options.header.studyId)
        throw new JournalMismatchError(file, options.header.studyId, found.studyId);
      return new FileJournal<E>(
        file,
        found,
        false,
        fh,
        lock,
        headerEnd,
        keep,
        seq,
        options.fsync !== false,
        options.onStall,
        options.onResume,
      );
    } catch (e) {
      await fh?.close();
      await lock?.release();
      throw e;
    }
  }

  append(events: readonly E[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new SegnasError("SEGNAS_E_BAD_STATE", `journal ${this.file} is closed`));
    if (this.broken) return Promise.reject(this.broken);
    if (events.length === 0) {
      // "Everything so far is durable": nothing waits, or a marker resolved with the last batch.
      if (this.queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) =>
        this.queue.push({ data: "", events: 0, resolve, reject }),
      );
    }
    let data = "";
    try {
      for (let i = 0; i < events.length; i++) data += encodeLine(this.seq + 1 + i, "event", events[i]);
    } catch (e) {
      return Promise.reject(
        new SegnasError(
          "SEGNAS_E_BAD_ARGUMENT",
          `journal events must be JSON-serialisable: ${(e as Error).message}`,
        ),
      );
    }
    this.seq += events.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, events: events.length, resolve, reject });
      if (!this.flushing && !this.stallRetry) this.flushing = this.scheduleFlush();
    });
  }

  /** True while writes find the disk full (appends wait; see onStall). */
  get stalled(): boolean {
    return this.stalledSince !== null;
  }

  /**
   * Group commit: every append made during one turn of the event loop (all the requests that
   * arrived together) shares one write and one fdatasync, issued at the end of the turn
   * (setImmediate). Both are synchronous on purpose. The replies wait for the fsync anyway, and
   * going through libuv's thread pool costs a thread hand-off plus an event-loop wake-up, which on
   * a small busy machine cost more than the fdatasync itself: append latency in bench:protocol's
   * paced runs was p50 2.0-2.7 ms / p99 11-14 ms through the pool, 0.5-0.6 / 4-5 ms synchronous.
   * A disk that stalls stalls the whole server; the lease table does not hold such a freeze
   * against the workers.
   */
  private scheduleFlush(): Promise<void> {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.flushing = null;
        this.flushNow();
        resolve();
      }),
    );
  }

  private flushNow(): void {
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const buf = Buffer.from(
      batch.length === 1 ? (batch[0] as Waiting).data : batch.map((w) => w.data).join(""),
      "utf8",
    );
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fh.fd, buf, off, buf.length - off);
      if (this.fsync) fdatasyncSync(this.fh.fd);
    } catch (e) {
      if (isRetryable(e) && this.stall(batch, e as NodeJS.ErrnoException)) return;
      // The file's state is unknown now: refuse further appends until reopened.
      this.broken = new SegnasError(
        "SEGNAS_E_INTERNAL",
        `journal ${this.file} write failed: ${(e as Error).message}`,
        {},
        { cause: e },
      );
      for (const w of [...batch, ...this.queue.splice(0)]) w.reject(this.broken);
      return;
    }
    this.durableBytes += buf.length;
    if (this.stalledSince !== null) {
      const stalledMs = Date.now() - this.stalledSince;
      this.stalledSince = null;
      this.stallError = null;
      this.stallDelay = STALL_RETRY_FIRST_MS;
      this.onResume?.({ file: this.file, stalledMs, events: batch.reduce((n, w) => n + w.events, 0) });
    }
    this.counters.commits++;
    this.counters.appends += batch.length;
    this.counters.events += batch.reduce((n, w) => n + w.events, 0);
    this.counters.bytes += buf.length;
    for (const w of batch) w.resolve();
  }

  /**
   * The disk is full: cut off whatever part of the batch reached the file (so the file ends
   * with a whole line again), put the batch back at the head of the queue and try again later.
   * False when even the cut failed (then the file's state is unknown: fatal).
   */
  private stall(batch: Waiting[], err: NodeJS.ErrnoException): boolean {
    try {
      ftruncateSync(this.fh.fd, this.durableBytes);
    } catch {
      return false;
    }
    this.queue.unshift(...batch);
    if (this.stalledSince === null) {
      this.stalledSince = Date.now();
      this.stallError = err;
      this.onStall?.({
        file: this.file,
        code: err.code ?? "ENOSPC",
        message: err.message,
        pendingEvents: this.queue.reduce((n, w) => n + w.events, 0),
        retryMs: this.stallDelay,
      });
    }
    this.stallRetry = setTimeout(() => {
      this.stallRetry = null;
      this.flushNow();
    }, this.stallDelay);
    this.stallDelay = Math.min(this.stallDelay * 2, STALL_RETRY_MAX_MS);
    return true;
  }

  async *replay(): AsyncIterableIterator<JournalRecord<E>> {
    let lineNo = 1;
    for await (const { text } of readLines(this.fh, this.eventsStart, this.durableBytes)) {
      lineNo++;
      const d = decodeLine(text, "event");
      if (!d.ok) throw new JournalCorruptError(this.file, lineNo, d.reason);
      yield { seq: d.seq, event: d.value as E };
    }
  }

  readAll(): Promise<JournalRecord<E>[]> {
    return collect(this.replay());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    if (this.stallRetry) {
      // Closing on a full disk: one last try, then the waiting appends fail (none of them was
      // acknowledged, so nothing that was promised is lost).
      clearTimeout(this.stallRetry);
      this.stallRetry = null;
      this.flushNow();
      if (this.stallRetry) clearTimeout(this.stallRetry);
      this.stallRetry = null;
      if (this.queue.length > 0) {
        const err = new SegnasError(
          "SEGNAS_E_JOURNAL_WRITE",
          `journal ${this.file} closed while its disk was full (${this.stallError?.code ?? "ENOSPC"}): ` +
            `${this.queue.reduce((n, w) => n + w.events, 0)} event(s) were not written`,
        );
        for (const w of this.queue.splice(0)) w.reject(err);
      }
    }
    try {
      await this.fh.close();
    } finally {
      // a journal whose file failed under it still gives its run directory back
      await this.lock?.release();
      this.lock = null;
    }
  }
}

/** fsync a directory so a newly created file's entry is durable (not supported everywhere). */
async function syncDir(dir: string): Promise<void> {
  let d: fs.FileHandle | null = null;
  try {
    d = await fs.open(dir, "r");
    await d.sync();
  } catch {
    // some platforms cannot fsync directories; the file's own fsync is the best we can do
  } finally {
    await d?.close();
  }
}
