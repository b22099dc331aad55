/**
 * PaddleSeg file lists: one `image<SEP>label` pair per line, paths relative to DATASET.DATA_DIR.
 * Blank lines are skipped (PaddleSeg chokes on them); anything else that is not exactly two
 * fields is an error naming the list and the line. With a whitespace separator (the default
 * " "), runs of whitespace count as one, so a stray double space does not break a list.
 */
import * as fs from "fs";
import * as path from "path";
import { DataError } from "./errors";

export interface FileListEntry {
  /** Resolved paths (dataDir joined with what the list says). */
  readonly image: string;
  readonly label: string;
  /** The list file and the 1-based line this entry came from, for error messages. */
  readonly list: string;
  readonly line: number;
}

/** Parses list text; `listName` only labels errors. Paths stay as written (relative). */
export function parseFileList(
  text: string,
  listName: string,
  separator = " ",
): Array<{ image: string; label: string; line: number }> {
  if (separator === "") throw new DataError(`DATASET.SEPARATOR must not be empty.`, { list: listName });
  const whitespace = separator.trim() === "";
  const out: Array<{ image: string; label: string; line: number }> = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const parts = whitespace ? line.split(/\s+/) : line.split(separator).map((p) => p.trim());
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new DataError(
        `${listName} line ${i + 1} is malformed: expected "image${visible(separator)}label", got ` +
          `${JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + "..." : raw)} (${parts.length} field(s)). ` +
          `Fix the line or set DATASET.SEPARATOR to the separator the list uses.`,
        { list: listName, line: i + 1 },
      );
    }
    out.push({ image: parts[0]!, label: parts[1]!, line: i + 1 });
  });
  if (out.length === 0) {
    throw new DataError(`${listName} lists no image/label pairs. Point the file list at a non-empty list.`, {
      list: listName,
    });
  }
  return out;
}

function visible(sep: string): string {
  return sep === " " ? " " : sep === "\t" ? "\\t" : sep;
}

/**
 * Finds a list file: as given (absolute, or relative to `baseDir`, PaddleSeg's behaviour), then
 * relative to DATA_DIR (handy when a config names `train.list` beside the data).
 */
export function resolveListPath(listPath: string, dataDir: string, baseDir = process.cwd()): string {
  const direct = path.resolve(baseDir, listPath);
  if (fs.existsSync(direct) || path.isAbsolute(listPath)) return direct;
  const besideData = path.resolve(baseDir, dataDir, listPath);
  return fs.existsSync(besideData) ? besideData : direct;
}

/** Reads and parses a list file; entries get absolute paths under `dataDir`. */
export function readFileList(
  listPath: string,
  opts: { dataDir: string; separator?: string; baseDir?: string },
): FileListEntry[] {
  const baseDir = opts.baseDir ?? process.cwd();
  const file = resolveListPath(listPath, opts.dataDir, baseDir);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DataError(
      `Cannot read the file list ${file}: ${code === "ENOENT" ? "no such file" : code}. ` +
        `Check DATASET.TRAIN_FILE_LIST / VAL_FILE_LIST (relative paths are taken from ${baseDir}).`,
      { file, reason: code },
      { cause: err },
    );
  }
  const root = path.resolve(baseDir, opts.dataDir);
  return parseFileList(text, file, opts.separator ?? " ").map((e) => ({
    image: path.resolve(root, e.image),
    label: path.resolve(root, e.label),
    list: file,
    line: e.line,
  }));
}
