/**
 * A trial's files on the server's host (when its worker shared the host, or the directory is
 * shared): the trial directory and the saved model, listed and served with paths confined to
 * them, and the tail of its log files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DashTrial } from "@segnas/dashboard-ui";

function roots(t: DashTrial): string[] {
  const out: string[] = [];
  if (t.trialDir && fs.existsSync(t.trialDir)) out.push(path.resolve(t.trialDir));
  const model = t.model && !/^[^/]+:\//.test(t.model) ? t.model : null;
  if (model && fs.existsSync(model) && !out.some((r) => path.resolve(model).startsWith(r + path.sep)))
    out.push(path.resolve(model));
  return out;
}

function walk(dir: string, base: string, out: string[], limit: number): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (out.length >= limit) return;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, base, out, limit);
    else if (e.isFile()) out.push(path.relative(base, full));
  }
}

/** Files as "<root index>/<relative path>", e.g. "0/model/model.json". */
export function trialFiles(t: DashTrial): string[] {
  const out: string[] = [];
  roots(t).forEach((r, i) => {
    const files: string[] = [];
    try {
      if (fs.statSync(r).isDirectory()) walk(r, r, files, 200);
      else files.push(path.basename(r));
    } catch {
      return;
    }
    for (const f of files) out.push(`${i}/${f}`);
  });
  return out;
}

export function resolveTrialFile(t: DashTrial, rel: string): string | null {
  const m = /^(\d+)\/(.+)$/.exec(rel);
  if (!m) return null;
  const root = roots(t)[Number(m[1])];
  if (!root) return null;
  const full = fs.statSync(root).isDirectory() ? path.resolve(root, m[2] as string) : root;
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return fs.existsSync(full) && fs.statSync(full).isFile() ? full : null;
}

/** The last lines of the trial directory's *.log files (at most 200). */
export function trialLog(t: DashTrial): string[] {
  const dir = t.trialDir && fs.existsSync(t.trialDir) ? t.trialDir : null;
  if (!dir) return [];
  try {
    const logs = fs.readdirSync(dir).filter((f) => f.endsWith(".log"));
    const lines: string[] = [];
    for (const f of logs) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      lines.push(...text.split("\n").filter((l) => l.trim() !== ""));
    }
    return lines.slice(-200);
  } catch {
    return [];
  }
}
