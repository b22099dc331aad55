/**
 * `segnas simulate`: runs a search strategy against a benchmark table (NAS-Bench-201 CSV layout
 * `idx,cellstr,<value columns in percent>`) for K seeds and prints the mean best value, the mean
 * regret to the table optimum (percentage points) and their 95% intervals; --json prints one
 * object. Bad input (missing file, unknown column, bad strategy) exits 2 with a clear message.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Argv, CommandModule } from "yargs";
import {
  SegnasError,
  getSpace,
  parseBenchmarkTable,
  runTableBenchmark,
  strategyNames,
  type TableBenchmarkSummary,
} from "@segnas/core";
import { parsePositiveInt } from "../args";
import { jsonOption } from "../options";

interface SimulateArgs {
  table: string;
  column: string;
  strategy: string;
  budget: string;
  seeds: string;
  seed0: string;
  workers: string;
  json: boolean;
}

function badArgument(flag: string, value: unknown, message: string): never {
  throw new SegnasError("SEGNAS_E_BAD_ARGUMENT", `${flag} ${JSON.stringify(value)}: ${message}`, {
    name: flag,
    value,
  });
}

function readTable(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    badArgument("--table", file, "no such file; pass the path of a CSV table (idx,cellstr,<value columns>)");
  }
  if (!stat.isFile()) badArgument("--table", file, "is not a file");
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    badArgument("--table", file, `cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseSeed0(text: unknown): number {
  const s = String(text).trim();
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff)
    badArgument("--seed0", text, "expected an integer from 0 to 4294967295");
  return Number(s);
}

const fmt = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

const ci = (low: number, high: number): string =>
  Number.isFinite(low) ? `95% CI [${fmt(low, 3)}, ${fmt(high, 3)}]` : "(a 95% CI needs >= 2 seeds)";

function report(s: TableBenchmarkSummary, table: string): string {
  const last = s.seed0 + s.seeds - 1;
  const lines = [
    `simulate: ${s.strategy} on ${path.basename(table)}, column ${s.column} (optimum ${fmt(s.optimum, 3)})`,
    `  budget ${s.budget} evaluations, ${s.seeds} seed(s) ${s.seed0}..${last}, ${s.workers} worker(s)`,
    `  mean best value  ${fmt(s.best.mean, 3)}  ${ci(s.best.low, s.best.high)}`,
    `  mean regret      ${fmt(s.regret.mean, 3)} pp  ${ci(s.regret.low, s.regret.high)}`,
    `  found the optimum in ${(100 * s.hitRate).toFixed(0)}% of runs`,
  ];
  if (s.exhaustedRuns > 0) {
    lines.push(`  note: ${s.exhaustedRuns} run(s) ran out of new candidates before the budget was spent`);
  }
  return lines.join("\n") + "\n";
}

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: "simulate",
  describe: "Benchmark a search strategy on a table of trained accuracies (e.g. NAS-Bench-201)",
  builder: (y: Argv) =>
    y
      .option("table", {
        type: "string",
        demandOption: true,
        describe: "CSV table: idx,cellstr,<value columns in percent>",
      })
      .option("column", { type: "string", demandOption: true, describe: "value column to maximise" })
      .option("strategy", {
        type: "string",
        choices: strategyNames(),
        default: "sa",
        describe: "search strategy",
      })
      .option("budget", { type: "string", default: "100", describe: "evaluations per search" })
      .option("seeds", { type: "string", default: "30", describe: "searches (seeds seed0, seed0+1, ...)" })
      .option("seed0", { type: "string", default: "0", describe: "seed of the first search" })
      .option("workers", {
        type: "string",
        default: "1",
        describe: "trials out at once (asynchronous, random finishing order)",
      })
      .option("json", jsonOption("print one JSON object"))
      .example(
        "$0 simulate --table nb201_cifar10_12ep.csv --column cifar10-val --strategy sa --budget 100 --seeds 300",
        "",
      ) as unknown as Argv<SimulateArgs>,
  handler: (args) => {
    const file = String(args.table);
    const budget = parsePositiveInt(args.budget, "--budget", 1_000_000);
    const seeds = parsePositiveInt(args.seeds, "--seeds", 1_000_000);
    const seed0 = parseSeed0(args.seed0);
    const workers = parsePositiveInt(args.workers, "--workers", 100_000);
    const table = parseBenchmarkTable(readTable(file), { source: file });
    const column = String(args.column);
    if (!table.columns.includes(column)) {
      badArgument(
        "--column",
        column,
        `the table has no such column; its value columns are: ${table.columns.join(", ")}`,
      );
    }
    const space = getSpace("NasBench201");
    // A table has no stock architecture: PaddleSlim's SANAS then starts from random init tokens.
    const strategyOptions = args.strategy === "sa-paddleslim" ? { initTokens: "random" as const } : {};
    const [summary] = runTableBenchmark({
      table,
      column,
      space,
      strategy: args.strategy,
      strategyOptions,
      budgets: [budget],
      seeds,
      seed0,
      workers,
    }) as [TableBenchmarkSummary];
    if (args.json) {
      process.stdout.write(
        JSON.stringify({
          table: file,
          column,
          strategy: summary.strategy,
          budget,
          seeds,
          seed0,
          workers,
          optimum: summary.optimum,
          meanBest: summary.best.mean,
          bestCi95: [summary.best.low, summary.best.high],
          meanRegret: summary.regret.mean,
          regretCi95: [summary.regret.low, summary.regret.high],
          regretSd: summary.regret.sd,
          hitRate: summary.hitRate,
          exhaustedRuns: summary.exhaustedRuns,
        }) + "\n",
      );
    } else {
      process.stdout.write(report(summary, file));
    }
  },
};
