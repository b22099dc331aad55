/** Typed errors of the journal; codes from core's catalogue. */
import * as path from "node:path";
import { SegnasError } from "@segnas/core";

/** Damage before the last line: not a crash artefact, so we refuse to guess. */
export class JournalCorruptError extends SegnasError<{ file: string; line: number; reason: string }> {
  constructor(file: string, line: number, reason: string) {
    super(
      "SEGNAS_E_JOURNAL_CORRUPT",
      `journal ${file} is damaged at line ${line}: ${reason}; run \`segnas journal repair ${path.dirname(file)}\` ` +
        `to keep every intact record (the original is backed up), restore it from a backup, or start a new run directory`,
      { file, line, reason },
    );
  }
}

/** The journal in this directory belongs to another study. */
export class JournalMismatchError extends SegnasError<{ file: string; expected: string; found: string }> {
  constructor(file: string, expected: string, found: string) {
    super(
      "SEGNAS_E_JOURNAL_MISMATCH",
      `journal ${file} belongs to study "${found}", not "${expected}"; use another run directory or resume study "${found}"`,
      { file, expected, found },
    );
  }
}

/** Another live process holds the run directory. */
export class JournalLockedError extends SegnasError<{ lockFile: string; pid: number; hostname: string }> {
  constructor(lockFile: string, pid: number, hostname: string, sameHost: boolean) {
    super(
      "SEGNAS_E_JOURNAL_LOCKED",
      `run directory is in use by process ${pid} on ${hostname} (lock file ${lockFile}); ` +
        (sameHost
          ? "stop that server or choose another run directory"
          : "stop that server, or delete the lock file if you are sure it is gone"),
      { lockFile, pid, hostname },
    );
  }
}
