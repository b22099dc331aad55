/**
 * A small tmpfs for disk-full tests (mounting needs root). `mountTmpfs` returns null with the
 * reason when mounting is not allowed: tests then skip outside CI and fail in CI.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface Tmpfs {
  readonly dir: string;
  /** Fills the file system until not one more block fits. */
  fill(): void;
  /** Removes what fill() wrote. */
  unfill(): void;
  unmount(): void;
}

export function mountTmpfs(size: string): Tmpfs | { reason: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { reason: String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim() };
  }
  const fillDir = path.join(dir, ".filler");
  let mounted = true;
  return {
    dir,
    fill() {
      fs.mkdirSync(fillDir, { recursive: true });
      const st = fs.statfsSync(dir);
      try {
        fs.writeFileSync(path.join(fillDir, "big"), Buffer.alloc(Number(st.bavail * st.bsize)));
      } catch {
        // ENOSPC on the last bytes: what we wanted
      }
      for (let i = 0; i < 100_000; i++) {
        try {
          fs.writeFileSync(path.join(fillDir, `small-${i}`), Buffer.alloc(512));
        } catch {
          break;
        }
      }
    },
    unfill() {
      fs.rmSync(fillDir, { recursive: true, force: true });
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync("umount", ["-l", dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Mounts, or: throws in CI, returns null (after saying why) elsewhere. */
export function tmpfsOrSkip(size: string, what: string): Tmpfs | null {
  const t = mountTmpfs(size);
  if ("dir" in t) return t;
  if (process.env.CI) throw new Error(`${what}: cannot mount a tmpfs (${t.reason})`);
  console.warn(`skipping ${what}: cannot mount a tmpfs (${t.reason})`);
  return null;
}
