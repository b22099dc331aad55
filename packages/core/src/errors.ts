/**
 * One base class for every error segnas raises on purpose. `code` is stable (it crosses the
 * wire and is matched by scripts); `data` carries the facts a caller needs to act on it.
 * The catalogue of codes lives in `error-codes.ts`; add new codes there, never inline.
 */
import { ErrorCode, ERROR_CODES } from "./error-codes";

export class SegnasError<D extends Record<string, unknown> = Record<string, unknown>> extends Error {
  readonly code: ErrorCode;
  readonly data: D;
  /** Exit status a CLI should use when this error ends the process (2 = bad usage / bad input). */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, data: D = {} as D, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ERROR_CODES[code].name;
    this.code = code;
    this.data = data;
    this.exitCode = ERROR_CODES[code].exitCode;
  }

  toJSON(): { code: ErrorCode; message: string; data: D } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isSegnasError(e: unknown): e is SegnasError {
  return e instanceof SegnasError;
}
