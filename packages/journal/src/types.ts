/**
 * The journal contract. A journal is an append-only sequence of events (any JSON-serialisable
 * values; the server defines them), each stamped with a sequence number 1, 2, 3, ... and stored
 * behind a header that names the study it belongs to. Implementations: FileJournal (JSON lines,
 * fsynced, crash-tolerant) and MemoryJournal (tests); both pass the same conformance suite.
 */

/** Format tag written into every file header; bumped only on incompatible layout changes. */
export const JOURNAL_FORMAT = "segnas-journal/1";

/** What the owner says a journal is for; `studyId` must match on reopen. */
export interface JournalHeader {
  studyId: string;
  /** Anything else worth keeping with the journal (space, strategy, config digest): plain JSON. */
  meta?: Record<string, unknown>;
}

/** The header as stored (the owner's, plus format and creation time). */
export interface StoredJournalHeader extends JournalHeader {
  format: typeof JOURNAL_FORMAT;
  /** ISO-8601 time the journal was created. */
  createdAt: string;
}

/** One stored event with its sequence number (1-based, gapless). */
export interface JournalRecord<E> {
  readonly seq: number;
  readonly event: E;
}

/** A repair made while opening, reported through `onRecover` (never silently). */
export type RecoveryEvent =
  | {
      kind: "torn-tail";
      file: string;
      /** 1-based line number of the dropped line. */
      line: number;
      droppedBytes: number;
      /** File size after truncation. */
      truncatedTo: number;
    }
  | { kind: "stale-lock"; lockFile: string; pid: number; hostname: string };

export interface JournalOpenOptions {
  header: JournalHeader;
  /** Told about repairs done on open (a torn last line dropped, a stale lock removed). */
  onRecover?: (event: RecoveryEvent) => void;
  /** fsync each group commit (default true). Turn off only in tests and benchmarks. */
  fsync?: boolean;
  /** Take the run-directory lock (default true). */
  lock?: boolean;
  /**
   * A write found the disk full (ENOSPC, EDQUOT): appends now wait (nothing is lost, nothing is
   * acknowledged) and the write is retried with backoff until it succeeds. Told once per stall.
   */
  onStall?: (info: JournalStall) => void;
  /** The writes of a stall went through (told once per stall). */
  onResume?: (info: { file: string; stalledMs: number; events: number }) => void;
}

/** What `onStall` is told. */
export interface JournalStall {
  file: string;
  /** "ENOSPC" or "EDQUOT". */
  code: string;
  message: string;
  /** Events waiting to be written. */
  pendingEvents: number;
  /** When the first retry comes (ms). */
  retryMs: number;
}

/** Counters, to see group commit at work and measure write cost. */
export interface JournalStats {
  /** `append` calls that wrote something. */
  appends: number;
  /** Events written. */
  events: number;
  /** Group commits (one write + one fsync each). */
  commits: number;
  /** Bytes written. */
  bytes: number;
}

export interface Journal<E> {
  /** The stored header (on reopen: as first written). */
  readonly header: StoredJournalHeader;
  /** True when open() created the journal (nothing to replay). */
  readonly created: boolean;
  /** Sequence number of the last event appended so far (0 when none). */
  readonly lastSeq: number;
  readonly stats: Readonly<JournalStats>;
  /**
   * Appends events in order; resolves only once they are durable (after fsync). Concurrent calls
   * keep call order and share fsyncs (group commit). Rejects if the journal is closed or a
   * previous write failed (the journal then refuses further appends: reopen to recover). A full
   * disk is not a failure: the append waits until the write goes through (see `onStall`).
   */
  append(events: readonly E[]): Promise<void>;
  /** The durable events, in order, as of the call. */
  replay(): AsyncIterable<JournalRecord<E>>;
  /** replay() collected into an array. */
  readAll(): Promise<JournalRecord<E>[]>;
  /** Waits for pending appends, then releases the file and the lock. Idempotent. */
  close(): Promise<void>;
}

/** Drains an async iterable into an array (what every journal's `readAll` is). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
