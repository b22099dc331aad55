/**
 * Before a server journals anything: the run directory (or, when it does not exist yet, the
 * nearest folder above it that does) must be a writable directory with room for the journal
 * and results. Checked without writing a byte, so a refused start leaves nothing behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RunDirError } from "@segnas/core";

/** Below this much free space a search would soon stop on ENOSPC (the journal, tables, models). */
export const MIN_FREE_BYTES = 64 * 1024 * 1024;

export interface RunDirCheck {
  /** The folder that was checked (the run directory, or the ancestor it will be created in). */
  readonly checked: string;
  readonly freeBytes: number | null;
}

export function checkRunDir(runDir: string, minFreeBytes = MIN_FREE_BYTES): RunDirCheck {
  const hint = "choose another with --run-dir or TRAIN.MODEL_SAVE_DIR";
  let dir = path.resolve(runDir);
  for (;;) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        throw new RunDirError(`the run directory ${runDir} cannot be checked (${dir}: ${code}); ${hint}`, {
          runDir,
          path: dir,
          reason: String(code),
        });
      }
    }
    if (st) {
      if (!st.isDirectory()) {
        throw new RunDirError(
          `the run directory ${runDir} cannot be created: ${dir} is not a directory; ${hint}`,
          {
            runDir,
            path: dir,
            reason: "not a directory",
          },
        );
      }
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EACCES";
    throw new RunDirError(
      `the run directory ${runDir} is not writable (${dir}: ${code}); fix its permissions or ${hint}`,
      { runDir, path: dir, reason: code },
    );
  }
  let freeBytes: number | null = null;
  try {
    const fsStat = fs.statfsSync(dir);
    freeBytes = Number(fsStat.bavail) * Number(fsStat.bsize);
  } catch {
    // statfs is not everywhere (some network file systems): the journal's own ENOSPC handling remains.
  }
  if (freeBytes !== null && freeBytes < minFreeBytes) {
    throw new RunDirError(
      `the run directory ${runDir} has only ${mib(freeBytes)} MiB free (${dir}); a search needs at least ` +
        `${mib(minFreeBytes)} MiB for its journal, tables and models: free some space or ${hint}`,
      { runDir, path: dir, freeBytes },
    );
  }
  return { checked: dir, freeBytes };
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0);
}
