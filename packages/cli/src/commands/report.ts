/**
 * `segnas report RUN_DIR [--out report.html] [--json]`: the static report of a run directory —
 * one self-contained HTML file (the dashboard's page with its scripts, styles and data inlined;
 * opens from file:// with no network) and SVG + PNG images of the main plots in plots/ beside
 * it. Works on a finished run and on one still running (it reads the journal without its lock).
 */
import * as path from "node:path";
import type { Argv, CommandModule } from "yargs";
import { writeReport } from "@segnas/dashboard-ui";
import { loadRunSnapshot } from "@segnas/server";

interface ReportArgs {
  run_dir: string;
  out?: string;
  json: boolean;
  images: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report <run_dir>",
  describe: "write a self-contained HTML report (and SVG/PNG plots) of a run directory",
  builder: (y: Argv) =>
    y
      .positional("run_dir", {
        type: "string",
        demandOption: true,
        describe: "the run directory of a search",
      })
      .option("out", { type: "string", describe: "where the HTML goes (default RUN_DIR/report.html)" })
      .option("images", {
        type: "boolean",
        default: true,
        describe: "also write plots/*.svg and *.png beside it",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print what was written as JSON",
      }) as Argv<ReportArgs>,
  handler: (args) => {
    const runDir = path.resolve(args.run_dir);
    const snapshot = loadRunSnapshot(runDir);
    const out = path.resolve(args.out ?? path.join(runDir, "report.html"));
    const written = writeReport(snapshot, out, { images: args.images });
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ report: written.html, bytes: written.bytes, trials: snapshot.trials.length, images: written.images })}\n`,
      );
      return;
    }
    process.stdout.write(
      `report      ${written.html} (${(written.bytes / 1024).toFixed(0)} KiB, ${snapshot.trials.length} trials)\n`,
    );
    if (written.images.length > 0)
      process.stdout.write(
        `plots       ${path.dirname(written.images[0] as string)}/ (${written.images.map((f) => path.basename(f)).join(", ")})\n`,
      );
  },
};
