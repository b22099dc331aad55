/**
 * Shared by the end-to-end tests: where the repository and the built CLI are (`npx tsc -b`
 * first), and a synchronous run of one CLI command from the repository root.
 */
import { spawnSync } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
export const BIN = path.join(ROOT, "packages", "cli", "bin", "segnas.js");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `segnas <args>` to completion (killed after `timeout` ms) with extra `env`. */
export function runCli(
  args: string[],
  opts: { timeout?: number; env?: Record<string, string> } = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: opts.timeout ?? 30_000,
    env: { ...process.env, ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
