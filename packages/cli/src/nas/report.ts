/** Printing a finished (or running) search: the ranked architectures and the best model. */
import type { SearchSpace, TrialCost, TrialRecord } from "@segnas/core";
import { formatCount, formatFlops, formatTable } from "../format";

export function formatRanking(
  space: SearchSpace,
  ranking: readonly TrialRecord[],
  costOf: (t: TrialRecord) => TrialCost | undefined = (t) => t.cost,
  limit = 10,
): string {
  const rows: (string | number)[][] = [["rank", "trial", "reward", "params", "FLOPs", "time", "worker"]];
  const blocks: string[] = ["blocks (t,c,n,s,k)"];
  ranking.slice(0, limit).forEach((t, i) => {
    let text = t.tokens.join(",");
    try {
      text = space.format(t.tokens);
    } catch {
      // keep the tokens
    }
    blocks.push(text);
    const cost = costOf(t);
    rows.push([
      i + 1,
      t.id,
      (t.reward ?? 0).toFixed(4),
      cost ? formatCount(cost.params) : "-",
      cost ? formatFlops(cost.flops) : "-",
      t.durationMs === undefined ? "-" : `${(t.durationMs / 1000).toFixed(1)}s`,
      t.imported ? `(${t.imported})` : (t.worker ?? "-"),
    ]);
  });
  // The two text columns go last and left-aligned.
  const lines = formatTable(rows, "  ", 0).split("\n");
  const width = Math.max(...rows.map((r) => String(r[6]).length));
  return lines
    .map(
      (line, i) =>
        `${line.slice(0, line.length - String(rows[i]?.[6]).length)}${String(rows[i]?.[6]).padEnd(width)}  ${blocks[i]}`,
    )
    .join("\n");
}
