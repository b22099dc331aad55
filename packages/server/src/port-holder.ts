/**
 * Best-effort answer to "who holds TCP port N?" for the busy-port error message. Linux only:
 * finds the listening socket's inode in /proc/net/tcp{,6} and the process whose fd points at
 * it; falls back to `ss -ltnp` (which may see more with privileges). Returns undefined when it
 * cannot tell; never throws.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";

export interface PortHolder {
  readonly pid?: number;
  readonly command?: string;
  /** How it was found, e.g. "/proc" or "ss". */
  readonly via: string;
}

const LISTEN = "0A";

/** Inodes of sockets listening on `port` according to /proc/net/tcp and tcp6. */
export function listeningInodes(port: number, files = ["/proc/net/tcp", "/proc/net/tcp6"]): string[] {
  const inodes: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1] ?? "";
      const localPort = parseInt(local.slice(local.lastIndexOf(":") + 1), 16);
      if (localPort === port && cols[3] === LISTEN && cols[9] !== "0") inodes.push(cols[9] as string);
    }
  }
  return inodes;
}

function fromProc(port: number): PortHolder | undefined {
  const inodes = new Set(listeningInodes(port).map((i) => `socket:[${i}]`));
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (inodes.has(target)) {
        let command: string | undefined;
        try {
          // One line: an argument may hold newlines (e.g. `python3 -c "..."`).
          command = fs
            .readFileSync(`/proc/${pid}/cmdline`, "utf8")
            .split("\0")
            .filter(Boolean)
            .join(" ")
            .replace(/\s+/g, " ");
        } catch {
          command = undefined;
        }
        return { pid: Number(pid), ...(command ? { command: command.slice(0, 200) } : {}), via: "/proc" };
      }
    }
  }
  return { via: "/proc (a process this user cannot inspect)" };
}

function fromSs(port: number): PortHolder | undefined {
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], {
      encoding: "utf8",
      timeout: 2000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    if (m) return { pid: Number(m[2]), command: m[1] as string, via: "ss" };
    return out.trim() ? { via: "ss (no process details: try as root)" } : undefined;
  } catch {
    return undefined;
  }
}

export function findPortHolder(port: number): PortHolder | undefined {
  if (process.platform !== "linux") return fromSs(port);
  const p = fromProc(port);
  if (p?.pid !== undefined) return p;
  return fromSs(port) ?? p;
}

export function describePortHolder(h: PortHolder | undefined): string {
  if (!h) return "the process holding it could not be determined";
  if (h.pid === undefined) return `held by a process that could not be identified (${h.via})`;
  return `held by pid ${h.pid}${h.command ? ` (${h.command})` : ""}`;
}
