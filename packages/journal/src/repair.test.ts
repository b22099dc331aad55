import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { JournalCorruptError } from "./errors";
import { FileJournal, JOURNAL_FILE } from "./file-journal";
import { repairJournal } from "./repair";

const root = mkdtempSync(path.join(tmpdir(), "segnas-repair-"));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const header = { studyId: "s" };
type Ev = { k: string };

async function journalWith(keys: string[]): Promise<{ dir: string; file: string; text: string }> {
  const dir = path.join(root, `run-${n++}`);
  const j = await FileJournal.open<Ev>(dir, { header });
  await j.append(keys.map((k) => ({ k })));
  await j.close();
  const file = path.join(dir, JOURNAL_FILE);
  return { dir, file, text: readFileSync(file, "utf8") };
}

describe("repairJournal", () => {
  it("drops garbage mid-journal, keeps every intact record, backs up the original", async () => {
    const { dir, file, text } = await journalWith(["a", "b", "c", "d"]);
    const lines = text.split("\n");
    // line 3 (event b) damaged in place, plus a junk line inserted before event d
    lines[2] = (lines[2] as string).replace('"k":"b"', '"k":"B"');
    lines.splice(4, 0, "\u0000\u0000garbage from a bad block");
    const damaged = lines.join("\n");
    writeFileSync(file, damaged);
    const refused = await FileJournal.open(dir, { header }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JournalCorruptError);
    expect((refused as Error).message).toMatch(
      /damaged at line 3: checksum mismatch; run `segnas journal repair /,
    );

    const dry = await repairJournal(dir, { dryRun: true });
    expect(dry.backup).toBeNull();
    expect(readFileSync(file, "utf8")).toBe(damaged);

    const report = await repairJournal(dir, { now: () => new Date("2026-01-02T03:04:05Z") });
    expect(report.keptRecords).toBe(3);
    expect(report.dropped.map((d) => [d.line, d.reason])).toEqual([
      [3, "checksum mismatch"],
      [5, "no checksum at the end of the line"],
    ]);
    expect(report.missingSeqs).toEqual([2]);
    expect(report.renumbered).toBe(true);
    expect(report.backup).toBe(`${file}.damaged-2026-01-02T03-04-05-000Z`);
    expect(readFileSync(report.backup as string, "utf8")).toBe(damaged);
    const j = await FileJournal.open<Ev>(dir, { header });
    expect((await j.readAll()).map((r) => [r.seq, r.event.k])).toEqual([
      [1, "a"],
      [2, "c"],
      [3, "d"],
    ]);
    await j.close();
  });

  it("an intact journal needs nothing and gets nothing written; a torn tail is listed", async () => {
    const { dir, file, text } = await journalWith(["a", "b"]);
    const clean = await repairJournal(dir);
    expect(clean).toMatchObject({ backup: null, keptRecords: 2, dropped: [], renumbered: false });
    writeFileSync(file, `${text}{"seq":3,"ev`);
    const torn = await repairJournal(dir);
    expect(torn.dropped).toEqual([expect.objectContaining({ line: 4, reason: "incomplete last line" })]);
    expect(torn.renumbered).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("refuses without an intact header, and without a journal", async () => {
    const { dir, file, text } = await journalWith(["a"]);
    writeFileSync(file, text.replace("segnas-journal/1", "segnas-journal/X"));
    await expect(repairJournal(dir)).rejects.toThrow(/first line \(the header naming the study\) is damaged/);
    const empty = path.join(root, "empty");
    await expect(repairJournal(empty)).rejects.toThrow(/no journal to repair at .*ENOENT/);
    expect(existsSync(path.join(dir, "journal.lock"))).toBe(false);
  });
});
