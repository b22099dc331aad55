import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describeJournalConformance } from "./conformance-suite.test-helper";
import { FileJournal } from "./file-journal";
import { MemoryJournal, MemoryJournalStore } from "./memory-journal";

const root = mkdtempSync(path.join(tmpdir(), "segnas-journal-conf-"));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeJournalConformance<string>("FileJournal", {
  location: () => path.join(root, `run-${n++}`),
  open: (dir, options) => FileJournal.open(dir, options),
});

describeJournalConformance<MemoryJournalStore>("MemoryJournal", {
  location: () => new MemoryJournalStore(`mem-${n++}`),
  open: (store, options) => MemoryJournal.open(store, options),
});
