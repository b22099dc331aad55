/**
 * Benchmark tables in the NAS-Bench-201 CSV layout: `idx,cellstr,<value columns>`, one row per
 * architecture (e.g. accuracies in percent). Pure parsing: the caller reads the file. Errors are
 * BadTableError naming the line and the column, so a broken download is easy to find.
 */
import { SegnasError } from "../errors";
import { tokensKey, type Tokens } from "../search-space";
import { parseNb201Cell } from "../spaces/nb201";

/** A malformed table: `line` (1-based) and `column` say where. */
import { BadTableError } from "../error-classes";

export interface BenchmarkTable {
  /** Where it came from (a file name), for messages. */
  readonly source: string;
  /** The value columns, in file order (idx and cellstr excluded). */
  readonly columns: readonly string[];
  /** Tokens of each row, in file order. */
  readonly rows: readonly (readonly number[])[];
  /** True if the table has a row for these tokens. */
  has(tokens: Tokens): boolean;
  /** The value of `column` for these tokens; undefined if the table has no such row. */
  lookup(tokens: Tokens, column: string): number | undefined;
  /** The values of one column, row order. */
  values(column: string): Float64Array;
  /** The best (largest) value of a column and its tokens. */
  optimum(column: string): { value: number; tokens: number[] };
}

export interface ParseTableOptions {
  /** Name for messages (a file path). Default "table". */
  readonly source?: string;
  /** Cell string -> tokens. Default: the NAS-Bench-201 cell parser. */
  readonly parseCell?: (cell: string) => number[];
}

function splitFields(line: string): string[] {
  return line.split(",").map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
  });
}

/** Parses the CSV text of a benchmark table. */
export function parseBenchmarkTable(text: string, options: ParseTableOptions = {}): BenchmarkTable {
  const source = options.source ?? "table";
  const parseCell = options.parseCell ?? parseNb201Cell;
  const fail = (message: string, line?: number, column?: string): never => {
    const where =
      line === undefined ? "" : `line ${line}${column === undefined ? "" : `, column ${column}`}: `;
    throw new BadTableError(`${source}: ${where}${message}`, {
      source,
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
    });
  };
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === "") lines.pop();
  if (lines.length === 0) fail("the table is empty; expected a header idx,cellstr,<value columns>");
  const header = splitFields(lines[0] as string);
  if (header[0] !== "idx") fail(`the first column must be "idx", found ${JSON.stringify(header[0])}`, 1, "1");
  if (header[1] !== "cellstr") {
    fail(`the second column must be "cellstr", found ${JSON.stringify(header[1] ?? "")}`, 1, "2");
  }
  const columns = header.slice(2);
  if (columns.length === 0) fail("no value columns after idx,cellstr", 1);
  columns.forEach((c, i) => {
    if (c === "") fail("a value column has an empty name", 1, String(i + 3));
    if (columns.indexOf(c) !== i) fail(`column name ${JSON.stringify(c)} appears twice`, 1, c);
  });

  const rows: number[][] = [];
  const byKey = new Map<string, number>();
  const values: number[][] = columns.map(() => []);
  for (let li = 1; li < lines.length; li++) {
    const lineNo = li + 1;
    const raw = lines[li] as string;
    if (raw.trim() === "") fail("empty line inside the table", lineNo);
    const fields = splitFields(raw);
    if (fields.length !== header.length) {
      fail(`expected ${header.length} fields (${header.join(",")}), found ${fields.length}`, lineNo);
    }
    if (!/^\d+$/.test(fields[0] as string))
      fail(`idx ${JSON.stringify(fields[0])} is not an integer`, lineNo, "idx");
    let tokens: number[] = [];
    try {
      tokens = parseCell(fields[1] as string);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err), lineNo, "cellstr");
    }
    const key = tokensKey(tokens);
    const seen = byKey.get(key);
    if (seen !== undefined) fail(`cell ${fields[1]} already appears on line ${seen + 2}`, lineNo, "cellstr");
    byKey.set(key, rows.length);
    rows.push(tokens);
    columns.forEach((c, ci) => {
      const f = fields[ci + 2] as string;
      const v = f === "" ? Number.NaN : Number(f);
      if (!Number.isFinite(v)) fail(`${JSON.stringify(f)} is not a finite number`, lineNo, c);
      (values[ci] as number[]).push(v);
    });
  }
  if (rows.length === 0) fail("the table has a header but no rows", 2);
  const width = (rows[0] as number[]).length;
  rows.forEach((t, i) => {
    if (t.length !== width)
      fail(`the cell has ${t.length} tokens, the first row has ${width}`, i + 2, "cellstr");
  });

  const columnValues = new Map(columns.map((c, i) => [c, Float64Array.from(values[i] as number[])]));
  const col = (name: string): Float64Array => {
    const v = columnValues.get(name);
    if (!v) {
      throw new SegnasError(
        "SEGNAS_E_BAD_ARGUMENT",
        `${source} has no column ${JSON.stringify(name)}; its value columns are: ${columns.join(", ")}`,
        { source, column: name, columns: [...columns] },
      );
    }
    return v;
  };
  return {
    source,
    columns,
    rows,
    has: (tokens) => byKey.has(tokensKey(tokens)),
    lookup(tokens, column) {
      const v = col(column);
      const i = byKey.get(tokensKey(tokens));
      return i === undefined ? undefined : v[i];
    },
    values: col,
    optimum(column) {
      const v = col(column);
      let best = 0;
      for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
      return { value: v[best] as number, tokens: [...(rows[best] as number[])] };
    },
  };
}
