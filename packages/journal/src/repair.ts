/**
 * `segnas journal repair`: salvages a journal damaged before its last line (a bad disk block, a
 * stray edit). Every line that passes its checksum is kept, in order; damaged lines (and a torn
 * tail) are dropped and listed. Records are renumbered 1, 2, ... only if lines were dropped from
 * between them. The original is kept as a backup beside the journal; the new file replaces it
 * atomically (temp file, fsync, rename). Needs the header line intact: without it the journal
 * cannot say which study it belongs to.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { SegnasError } from "@segnas/core";
import { JOURNAL_FILE, LOCK_FILE } from "./file-journal";
import { decodeLine, encodeLine } from "./line-format";
import { acquireLock } from "./lock";
import { JOURNAL_FORMAT, type StoredJournalHeader } from "./types";

export interface DroppedLine {
  /** 1-based line number in the original file. */
  readonly line: number;
  readonly bytes: number;
  readonly reason: string;
  /** The first bytes of the line, for the report. */
  readonly preview: string;
}

export interface RepairReport {
  readonly file: string;
  /** Where the original went (null: nothing needed repair, nothing was written). */
  readonly backup: string | null;
  readonly keptRecords: number;
  readonly dropped: readonly DroppedLine[];
  /** True when sequence numbers were rewritten (records were dropped from between others). */
  readonly renumbered: boolean;
  /** Sequence numbers (as the damaged file had them) that no intact line carries any more. */
  readonly missingSeqs: readonly number[];
}

export interface RepairOptions {
  /** Report only; write nothing. */
  readonly dryRun?: boolean;
  /** Backup name suffix (default: the current time). */
  readonly now?: () => Date;
}

function preview(text: string): string {
  const p = text.slice(0, 60).replace(/[^\x20-\x7e]/g, "?");
  return text.length > 60 ? `${p}...` : p;
}

export async function repairJournal(dir: string, opts: RepairOptions = {}): Promise<RepairReport> {
  const file = path.join(dir, JOURNAL_FILE);
  let raw: Buffer;
  try {
    raw = await fs.readFile(file);
  } catch (e) {
    throw new SegnasError(
      "SEGNAS_E_BAD_ARGUMENT",
      `no journal to repair at ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass the run directory of a search`,
      { file },
    );
  }
  const lock = opts.dryRun ? null : await acquireLock(path.join(dir, LOCK_FILE));
  try {
    const lines = raw.toString("utf8").split("\n");
    // A file ending in "\n" splits into a last empty string; anything else there is a torn tail.
    const tail = lines.pop() ?? "";
    const first = lines[0] === undefined ? null : decodeLine(lines[0], "header");
    const header = first?.ok ? (first.value as StoredJournalHeader) : null;
    if (!first || !first.ok || !header || header.format !== JOURNAL_FORMAT)
      throw new SegnasError(
        "SEGNAS_E_JOURNAL_CORRUPT",
        `cannot repair ${file}: its first line (the header naming the study) is ${first && !first.ok ? `damaged (${first.reason})` : "missing or not a segnas journal header"}; start a new run directory`,
        { file, line: 1 },
      );
    const kept: { seq: number; value: unknown }[] = [];
    const dropped: DroppedLine[] = [];
    for (let i = 1; i < lines.length; i++) {
      const text = lines[i] as string;
      const d = decodeLine(text, "event");
      if (d.ok && d.seq > (kept[kept.length - 1]?.seq ?? 0)) kept.push({ seq: d.seq, value: d.value });
      else
        dropped.push({
          line: i + 1,
          bytes: Buffer.byteLength(text) + 1,
          reason: d.ok ? `sequence number ${d.seq} out of order` : d.reason,
          preview: preview(text),
        });
    }
    if (tail.length > 0)
      dropped.push({
        line: lines.length + 1,
        bytes: Buffer.byteLength(tail),
        reason: "incomplete last line",
        preview: preview(tail),
      });
    const renumbered = kept.some((k, i) => k.seq !== i + 1);
    const present = new Set(kept.map((k) => k.seq));
    const last = kept[kept.length - 1]?.seq ?? 0;
    const missingSeqs: number[] = [];
    for (let s = 1; s <= last; s++) if (!present.has(s)) missingSeqs.push(s);
    if (dropped.length === 0 && !renumbered)
      return { file, backup: null, keptRecords: kept.length, dropped, renumbered, missingSeqs };
    if (opts.dryRun)
      return { file, backup: null, keptRecords: kept.length, dropped, renumbered, missingSeqs };
    const stamp = (opts.now?.() ?? new Date()).toISOString().replace(/[:.]/g, "-");
    const backup = `${file}.damaged-${stamp}`;
    await fs.writeFile(backup, raw, { flag: "wx" });
    const text = [lines[0] as string, ...kept.map((k, i) => encodeLine(i + 1, "event", k.value).slice(0, -1))]
      .map((l) => `${l}\n`)
      .join("");
    const tmp = `${file}.repair-${process.pid}`;
    const fh = await fs.open(tmp, "w");
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
    const d = await fs.open(dir, "r").catch(() => null);
    await d?.sync().catch(() => undefined);
    await d?.close();
    return { file, backup, keptRecords: kept.length, dropped, renumbered, missingSeqs };
  } finally {
    await lock?.release();
  }
}
