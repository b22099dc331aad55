import { ERROR_CODES, isSegnasError } from "@segnas/core";

/** Prints an error the way a user can act on it and returns the exit status to use. */
export function reportError(err: unknown, stream: NodeJS.WritableStream = process.stderr): number {
  if (isSegnasError(err)) {
    stream.write(`error [${err.code}]: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  stream.write(
    `internal error: ${e.stack ?? e.message}\nThis is a bug in segnas; please report it with the command you ran.\n`,
  );
  return ERROR_CODES.SEGNAS_E_INTERNAL.exitCode;
}
