/**
 * @segnas/journal — the append-only, fsynced event log a study's state is rebuilt from.
 * `Journal.open(dir, { header })` opens (or creates) `dir/journal.jsonl`, locks the directory,
 * drops a torn last line left by a crash (reported via `onRecover`), and refuses a journal of
 * another study or one damaged before its last line. `append` resolves after fsync (group
 * commit; a full disk makes appends wait, see `onStall`); `replay` yields `{ seq, event }` in order.
 * `Journal.inMemory` has the same contract. `repairJournal(dir)` salvages a journal damaged
 * mid-file (keeps every intact record, backs up the original, lists what it dropped).
 */
import { FileJournal } from "./file-journal";
import { MemoryJournal, MemoryJournalStore } from "./memory-journal";
import type { Journal as JournalContract, JournalOpenOptions } from "./types";

export * from "./types";
export * from "./errors";
export { FileJournal, JOURNAL_FILE, LOCK_FILE } from "./file-journal";
export { MemoryJournal, MemoryJournalStore } from "./memory-journal";
export { measureFsync, type FsyncStats } from "./measure-fsync";
export { crc32 } from "./crc32";
export { repairJournal, type RepairReport, type RepairOptions, type DroppedLine } from "./repair";

/** The journal contract (type) and its two constructors (value). */
export type Journal<E> = JournalContract<E>;
export const Journal = {
  /** The durable journal in run directory `dir`. */
  open<E>(dir: string, options: JournalOpenOptions): Promise<FileJournal<E>> {
    return FileJournal.open<E>(dir, options);
  },
  /** An in-memory journal; pass the same store again to "reopen" it. */
  inMemory<E>(
    options: JournalOpenOptions,
    store: MemoryJournalStore = new MemoryJournalStore(),
  ): Promise<MemoryJournal<E>> {
    return MemoryJournal.open<E>(store, options);
  },
};
