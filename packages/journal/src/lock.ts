/**
 * Run-directory lock: a file created atomically (write a temp file, hard-link it into place: the
 * link fails if the lock exists), holding the owner's pid and hostname. A lock left by a dead
 * process on this host is stale and taken over (reported); anything else is a clear error.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname as osHostname } from "node:os";
import { JournalLockedError } from "./errors";
import type { RecoveryEvent } from "./types";

interface LockContent {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readLock(file: string): Promise<LockContent | null> {
  try {
    const c = JSON.parse(await fs.readFile(file, "utf8")) as LockContent;
    return Number.isSafeInteger(c.pid) && typeof c.hostname === "string" ? c : null;
  } catch {
    return null;
  }
}

export async function acquireLock(file: string, onRecover?: (e: RecoveryEvent) => void): Promise<HeldLock> {
  const me: LockContent = { pid: process.pid, hostname: osHostname(), startedAt: new Date().toISOString() };
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(me)}\n`, { flag: "wx" });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.link(temp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const other = await readLock(file);
      const sameHost = other !== null && other.hostname === me.hostname;
      if (other && sameHost && !isAlive(other.pid) && attempt === 0) {
        // Stale: its owner died without cleaning up. Remove it and try once more.
        await fs.rm(file, { force: true });
        onRecover?.({ kind: "stale-lock", lockFile: file, pid: other.pid, hostname: other.hostname });
        continue;
      }
      throw new JournalLockedError(file, other?.pid ?? -1, other?.hostname ?? "an unknown host", sameHost);
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      const now = await readLock(file);
      if (now && now.pid === me.pid && now.hostname === me.hostname && now.startedAt === me.startedAt)
        await fs.rm(file, { force: true });
    },
  };
}
