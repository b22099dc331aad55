/**
 * `segnas journal repair RUN_DIR`: salvages a journal the server refuses as damaged before its
 * last line. Keeps every intact record, writes the original to a backup beside it, and says
 * line by line what it dropped. `--dry-run` only reports.
 */
import type { Argv, CommandModule } from "yargs";
import { repairJournal, type RepairReport } from "@segnas/journal";

interface RepairArgs {
  "run-dir": string;
  "dry-run": boolean;
  json: boolean;
}

export function formatRepair(r: RepairReport, dryRun: boolean): string {
  const out: string[] = [];
  if (r.dropped.length === 0 && !r.renumbered) {
    out.push(`journal ${r.file}: all ${r.keptRecords} record(s) intact, nothing to repair`);
    return out.join("\n");
  }
  out.push(
    `journal ${r.file}: ${dryRun ? "would keep" : "kept"} ${r.keptRecords} intact record(s), ` +
      `${dryRun ? "would drop" : "dropped"} ${r.dropped.length} line(s):`,
  );
  for (const d of r.dropped)
    out.push(`  line ${d.line} (${d.bytes} bytes): ${d.reason}: ${JSON.stringify(d.preview)}`);
  if (r.missingSeqs.length > 0)
    out.push(
      `  the events numbered ${r.missingSeqs.join(", ")} are gone; the records after them were renumbered. ` +
        `A trial whose events were lost may be run again.`,
    );
  if (r.backup) out.push(`the original is kept as ${r.backup}`);
  out.push(dryRun ? "nothing written (--dry-run)" : "run the same server command to resume the search");
  return out.join("\n");
}

const repairCommand: CommandModule<object, RepairArgs> = {
  command: "repair <run-dir>",
  describe: "Keep every intact record of a damaged journal (the original is backed up)",
  builder: (y: Argv) =>
    y
      .positional("run-dir", { type: "string", demandOption: true, describe: "run directory of the search" })
      .option("dry-run", { type: "boolean", default: false, describe: "only say what would be dropped" })
      .option("json", { type: "boolean", default: false, describe: "print the report as JSON" })
      .example(
        "$0 journal repair runs/search-1",
        "salvage a journal damaged mid-file",
      ) as unknown as Argv<RepairArgs>,
  handler: async (args) => {
    const report = await repairJournal(args["run-dir"], { dryRun: args["dry-run"] });
    process.stdout.write(
      args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatRepair(report, args["dry-run"])}\n`,
    );
  },
};

export const journalCommand: CommandModule = {
  command: "journal <command>",
  describe: "Look after a run directory's journal (repair)",
  builder: (y: Argv) => y.command(repairCommand).demandCommand(1),
  handler: () => undefined,
};
