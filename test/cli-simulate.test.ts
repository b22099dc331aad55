// End-to-end: `segnas simulate` on a small hand-made table, run as a real process (`npx tsc -b` first).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCli, type CliResult } from "./helpers";

const cell = (ops: string[]) =>
  `|${ops[0]}~0|+|${ops[1]}~0|${ops[2]}~1|+|${ops[3]}~0|${ops[4]}~1|${ops[5]}~2|`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-simulate-"));
const table = path.join(dir, "tiny.csv");
fs.writeFileSync(
  table,
  [
    "idx,cellstr,acc-test,acc-val",
    `0,${cell(["none", "none", "none", "none", "none", "none"])},10,12.5`,
    `1,${cell(["nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_1x1", "nor_conv_3x3"])},89,84.5`,
    `2,${cell(["skip_connect", "none", "avg_pool_3x3", "none", "none", "skip_connect"])},60,55`,
  ].join("\n") + "\n",
);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const segnas = (...args: string[]): CliResult => runCli(["simulate", ...args]);

describe("segnas simulate", () => {
  it("prints one JSON object with the regret statistics", () => {
    const r = segnas(
      "--table",
      table,
      "--column",
      "acc-val",
      "--strategy",
      "random",
      "--budget",
      "3",
      "--seeds",
      "4",
      "--json",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ column: "acc-val", strategy: "random", budget: 3, seeds: 4, optimum: 84.5 });
    expect(out.meanRegret).toBe(0); // 3 evaluations cover the whole (3-row) table
    expect(out.hitRate).toBe(1);
  });

  it("prints a human summary", () => {
    const r = segnas("--table", table, "--column", "acc-test", "--budget", "1", "--seeds", "3");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/simulate: sa on tiny\.csv, column acc-test \(optimum 89\.000\)/);
    expect(r.stdout).toMatch(/mean regret\s+[\d.]+ pp\s+95% CI \[/);
  });

  it("exits 2 with a clear message for a missing file, an unknown column or strategy", () => {
    const missing = segnas("--table", path.join(dir, "nope.csv"), "--column", "acc-val");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--table .*nope\.csv.*no such file/);
    const column = segnas("--table", table, "--column", "val");
    expect(column.status).toBe(2);
    expect(column.stderr).toMatch(/no such column; its value columns are: acc-test, acc-val/);
    const strategy = segnas("--table", table, "--column", "acc-val", "--strategy", "annealing");
    expect(strategy.status).toBe(2);
    expect(strategy.stderr).toMatch(/Choices: "sa", "sa-paddleslim", "random", "evolution"/);
    const bad = path.join(dir, "bad.csv");
    fs.writeFileSync(bad, "idx,cellstr,a\n0,|none~0|,1\n");
    const malformed = segnas("--table", bad, "--column", "a");
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/SEGNAS_E_BAD_TABLE.*line 2, column cellstr/);
  });
});
