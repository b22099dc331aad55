import { SegnasError } from "../errors";
import { formatNb201Cell } from "../spaces/nb201";
import { parseBenchmarkTable } from "./table";
import { BadTableError } from "../error-classes";

const cell = (t: number[]) => formatNb201Cell(t);
const HEADER = "idx,cellstr,cifar10-test,cifar10-val";
const ROWS = [
  `0,${cell([0, 0, 0, 0, 0, 0])},10.0,11.5`,
  `1,${cell([3, 3, 3, 1, 2, 3])},89.16,84.892`,
  `2,${cell([1, 2, 3, 4, 0, 1])},70.25,65`,
];
const GOOD = [HEADER, ...ROWS].join("\n") + "\n";

function errorOf(text: string): BadTableError {
  try {
    parseBenchmarkTable(text, { source: "t.csv" });
  } catch (err) {
    if (err instanceof BadTableError) return err;
    throw err;
  }
  throw new Error("no error");
}

describe("parseBenchmarkTable", () => {
  it("reads columns, rows, lookups and the optimum", () => {
    const t = parseBenchmarkTable(GOOD.replace(/\n/g, "\r\n"), { source: "t.csv" });
    expect(t.columns).toEqual(["cifar10-test", "cifar10-val"]);
    expect(t.rows).toEqual([
      [0, 0, 0, 0, 0, 0],
      [3, 3, 3, 1, 2, 3],
      [1, 2, 3, 4, 0, 1],
    ]);
    expect(t.lookup([3, 3, 3, 1, 2, 3], "cifar10-val")).toBe(84.892);
    expect(t.lookup([4, 4, 4, 4, 4, 4], "cifar10-val")).toBeUndefined();
    expect(t.has([1, 2, 3, 4, 0, 1])).toBe(true);
    expect(t.optimum("cifar10-test")).toEqual({ value: 89.16, tokens: [3, 3, 3, 1, 2, 3] });
    expect(Array.from(t.values("cifar10-val"))).toEqual([11.5, 84.892, 65]);
  });

  it("names the available columns for an unknown one", () => {
    const t = parseBenchmarkTable(GOOD);
    expect(() => t.values("val")).toThrow(
      /no column "val"; its value columns are: cifar10-test, cifar10-val/,
    );
    expect(() => t.lookup([0, 0, 0, 0, 0, 0], "val")).toThrow(
      expect.objectContaining({ code: "SEGNAS_E_BAD_ARGUMENT" }) as SegnasError,
    );
  });

  it.each([
    ["", undefined, undefined, /empty/],
    ["id,cellstr,a\n", 1, "1", /first column must be "idx"/],
    ["idx,cell,a\n", 1, "2", /second column must be "cellstr"/],
    ["idx,cellstr\n", 1, undefined, /no value columns/],
    ["idx,cellstr,a,a\n", 1, "a", /appears twice/],
    [HEADER + "\n", 2, undefined, /no rows/],
    [`${HEADER}\n${ROWS[0]}\n0,${cell([1, 1, 1, 1, 1, 1])},1\n`, 3, undefined, /expected 4 fields/],
    [`${HEADER}\n${ROWS[0]}\nx,${cell([1, 1, 1, 1, 1, 1])},1,2\n`, 3, "idx", /not an integer/],
    [
      `${HEADER}\n${ROWS[0]}\n1,|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,1,2\n`,
      3,
      "cellstr",
      /unknown op "conv"/,
    ],
    [
      `${HEADER}\n${ROWS[0]}\n1,${cell([1, 1, 1, 1, 1, 1])},1,abc\n`,
      3,
      "cifar10-val",
      /"abc" is not a finite number/,
    ],
    [`${HEADER}\n${ROWS[0]}\n1,${cell([1, 1, 1, 1, 1, 1])},,2\n`, 3, "cifar10-test", /not a finite number/],
    [`${HEADER}\n${ROWS[0]}\n${ROWS[0]}\n`, 3, "cellstr", /already appears on line 2/],
    [`${HEADER}\n${ROWS[0]}\n\n${ROWS[1]}\n`, 3, undefined, /empty line/],
  ])("rejects %j naming line %s column %s", (text, line, column, message) => {
    const e = errorOf(text);
    expect(e.code).toBe("SEGNAS_E_BAD_TABLE");
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/^t\.csv: /);
    expect(e.data.line).toBe(line);
    expect(e.data.column).toBe(column);
  });
});
