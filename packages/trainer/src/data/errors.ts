/**
 * DataError: a dataset file list, image or label is missing, malformed or inconsistent. It names
 * the file and, when it came from a file list, the list and line, so the user can fix the data.
 * It crosses worker threads as plain JSON (`toJSON`) and is rebuilt with `dataErrorFromJSON`.
 */
import { DataError as CatalogueDataError, SegnasError, errorForCode, isErrorCode } from "@segnas/core";

export interface DataErrorData extends Record<string, unknown> {
  /** The image, label or list file at fault. */
  file?: string;
  /** The file list that named `file`, and its 1-based line. */
  list?: string;
  line?: number;
  /** The low-level cause (decoder message, errno code). */
  reason?: string;
}

export class DataError extends CatalogueDataError<DataErrorData> {
  constructor(message: string, data: DataErrorData = {}, options: { cause?: unknown } = {}) {
    super(message, data, options);
  }
}

/** "train.list line 12" — the suffix every per-sample message carries. */
export function where(list: string | undefined, line: number | undefined): string {
  if (list === undefined) return "";
  return line === undefined ? ` (from ${list})` : ` (${list} line ${line})`;
}

/** Rebuilds an error that crossed a thread boundary as `{ code, message, data }`. */
export function errorFromJSON(json: {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}): SegnasError {
  if (json.code === "SEGNAS_E_DATA") return new DataError(json.message, json.data ?? {});
  const code = isErrorCode(json.code) ? json.code : "SEGNAS_E_INTERNAL";
  return errorForCode(code, json.message, json.data ?? {});
}
