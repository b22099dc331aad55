/**
 * In-memory journal with the FileJournal contract, for tests. State lives in a
 * MemoryJournalStore so a test can close and reopen "the same run directory". Events are
 * stored as JSON text, so what comes back is a copy with JSON's semantics, as from a file.
 */
import { SegnasError } from "@segnas/core";
import { JournalLockedError, JournalMismatchError } from "./errors";
import {
  JOURNAL_FORMAT,
  collect,
  type Journal,
  type JournalOpenOptions,
  type JournalRecord,
  type JournalStats,
  type StoredJournalHeader,
} from "./types";

/** Plays the role of a run directory for MemoryJournal. */
export class MemoryJournalStore {
  header: StoredJournalHeader | null = null;
  /** One JSON text per event; index i holds seq i + 1. */
  readonly lines: string[] = [];
  /** Whether an open journal holds the store (the run-directory lock). */
  locked = false;
  constructor(readonly name = "memory") {}
}

export class MemoryJournal<E> implements Journal<E> {
  private closed = false;
  private tail: Promise<void> = Promise.resolve();
  private seq: number;
  private readonly counters: JournalStats = { appends: 0, events: 0, commits: 0, bytes: 0 };

  private constructor(
    private readonly store: MemoryJournalStore,
    readonly header: StoredJournalHeader,
    readonly created: boolean,
    private readonly locks: boolean,
  ) {
    this.seq = store.lines.length;
  }

  static async open<E>(store: MemoryJournalStore, options: JournalOpenOptions): Promise<MemoryJournal<E>> {
    const locks = options.lock !== false;
    if (locks && store.locked)
      throw new JournalLockedError(`${store.name}/lock`, process.pid, "this process", true);
    let created = false;
    // No events yet: the journal belongs to no study (a start that failed early), so it is re-headed.
    if (
      store.header === null ||
      (store.header.studyId !== options.header.studyId && store.lines.length === 0)
    ) {
      store.header = { ...options.header, format: JOURNAL_FORMAT, createdAt: new Date().toISOString() };
      store.header = JSON.parse(JSON.stringify(store.header)) as StoredJournalHeader;
      created = true;
    } else if (store.header.studyId !== options.header.studyId) {
      throw new JournalMismatchError(store.name, options.header.studyId, store.header.studyId);
    }
    if (locks) store.locked = true;
    return new MemoryJournal<E>(store, store.header, created, locks);
  }

  get lastSeq(): number {
    return this.seq;
  }

  get stats(): Readonly<JournalStats> {
    return { ...this.counters };
  }

  append(events: readonly E[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new SegnasError("SEGNAS_E_BAD_STATE", `journal ${this.store.name} is closed`));
    if (events.length === 0) return this.tail;
    const texts: string[] = [];
    for (const e of events) {
      const t = JSON.stringify(e);
      if (t === undefined)
        return Promise.reject(
          new SegnasError(
            "SEGNAS_E_BAD_ARGUMENT",
            `journal events must be JSON-serialisable, got ${typeof e}`,
          ),
        );
      texts.push(t);
    }
    this.seq += events.length;
    // "Durable" one microtask later, in call order, like a commit that always succeeds.
    this.tail = this.tail.then(() => {
      this.store.lines.push(...texts);
      this.counters.appends++;
      this.counters.commits++;
      this.counters.events += texts.length;
      this.counters.bytes += texts.reduce((n, t) => n + t.length + 1, 0);
    });
    return this.tail;
  }

  async *replay(): AsyncIterableIterator<JournalRecord<E>> {
    const n = this.store.lines.length;
    for (let i = 0; i < n; i++) yield { seq: i + 1, event: JSON.parse(this.store.lines[i]) as E };
  }

  readAll(): Promise<JournalRecord<E>[]> {
    return collect(this.replay());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    if (this.locks) this.store.locked = false;
  }
}
