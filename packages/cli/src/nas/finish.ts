/** What a server prints when its search ends, and the exit status that says how it ended. */
import * as path from "node:path";
import { SearchExhaustedError, SearchFailedError } from "@segnas/core";
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

/** How to go on with a study that is already over (printed when one is resumed). */
export function howToGoOn(launched: LaunchedServer): string {
  const dir = launched.runDir ? displayPath(launched.runDir) : "the run directory";
  return `the study in ${dir} is already finished (${launched.controller.finished ?? "done"}); ${waysOn(launched)}`;
}

function waysOn(launched: LaunchedServer): string {
  const s = launched.controller.study.state;
  // The failure budget is max(5, steps): past failures only stop counting with more steps.
  const atLeast =
    Math.max(s.completed, s.settings.maxFailures > 0 && s.failed >= s.settings.maxFailures ? s.failed : 0) +
    1;
  const ways = [
    `raise SLIM.NAS_SEARCH_STEPS (now ${s.settings.searchSteps}, ${s.completed} with a reward; at least ${atLeast}) to search on`,
  ];
  if (s.failed > 0) ways.push(`pass --retry-failed to hand its ${s.failed} failed architecture(s) out again`);
  ways.push(`or start afresh in a new run directory (--run-dir or TRAIN.MODEL_SAVE_DIR)`);
  return ways.join(", ");
}

/**
 * A search that ends without a single reward did not succeed, whatever ended it: throws the
 * error whose exit status says so (after the report was printed). One reward or more: returns.
 */
export function checkSearchSucceeded(launched: LaunchedServer, report: FinishReport): void {
  const s = launched.controller.study.state;
  if (s.completed + s.imported > 0) return;
  const hint = waysOn(launched);
  if (/exhausted/.test(report.reason)) {
    throw new SearchExhaustedError(
      `the search ended before any trial completed: ${report.reason}; loosen SEGNAS.MAX_FLOPS / SEGNAS.MAX_PARAMS or ${hint}`,
      { reason: report.reason, completed: 0 },
    );
  }
  throw new SearchFailedError(
    `the search ended without a completed trial: ${report.reason}. Fix the cause (the failed trials' reasons are in ` +
      `${launched.runDir ? displayPath(path.join(launched.runDir, "trials.csv")) : "the trial table"}), then ${hint}`,
    { reason: report.reason, failed: s.failed, ...(launched.runDir ? { runDir: launched.runDir } : {}) },
  );
}
