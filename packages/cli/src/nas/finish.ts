/** What a server prints when its search ends. */
import * as path from "node:path";
import type { FinishReport, LaunchedServer } from "@segnas/server";
import { displayPath } from "./config";
import { formatRanking } from "./report";

export function printFinish(
  launched: LaunchedServer,
  report: FinishReport,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const s = launched.controller.study.state;
  const rel = displayPath;
  out.write(`\nsearch finished: ${report.reason}\n`);
  out.write(`${s.completed} architectures evaluated, ${s.failed} failed; ranked by reward (best mIoU):\n`);
  out.write(`${formatRanking(launched.space, report.ranking, (t) => launched.costOf(t))}\n`);
  if (launched.runDir) {
    out.write(
      `results     ${rel(path.join(launched.runDir, "trials.csv"))}, ${rel(path.join(launched.runDir, "trials.jsonl"))}\n`,
    );
  }
  const best = report.ranking[0];
  if (best)
    out.write(
      `best        trial ${best.id}, reward ${(best.reward ?? 0).toFixed(4)}, tokens ${best.tokens.join(",")}\n`,
    );
  out.write(
    `best model  ${report.bestModel ? rel(report.bestModel) : "not saved (the trial kept no model)"}\n`,
  );
  if (report.report) out.write(`report      ${rel(report.report)} (open it in a browser)\n`);
}
