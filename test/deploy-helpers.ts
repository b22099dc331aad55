/**
 * Shared by the deployment tests (docker/, Slurm, TLS): tools CI installs from .ci/apt/deploy.txt
 * (a missing one fails in CI and skips, with the reason, elsewhere) and test certificates made on
 * the spot with docker/tls/make-certs.sh (never committed).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./helpers";

/** Whether `tool` is on PATH (or an absolute path that exists). */
export function hasTool(tool: string): boolean {
  if (path.isAbsolute(tool)) return fs.existsSync(tool);
  return spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
}

/**
 * `describe` when every tool is there; in CI (CI=true) a missing tool is a failure, elsewhere the
 * suite is skipped with the reason printed.
 */
export function describeWithTools(tools: string[], name: string, body: () => void): void {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return describe(name, body);
  const why = `needs ${missing.join(", ")} (Debian packages listed in .ci/apt/deploy.txt)`;
  if (process.env.CI === "true") {
    describe(name, () => it("has its tools", () => expect(`missing: ${missing.join(", ")}`).toBe(why)));
    return;
  }
  process.stderr.write(`skipping "${name}": ${why}\n`);
  describe.skip(name, body);
}

export interface TestCerts {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** A fresh CA and server certificate for `names` (test fixtures, in a temp dir). */
export function makeCerts(tag: string, names: string[]): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `segnas-tls-${tag}-`));
  const r = spawnSync("bash", [path.join(ROOT, "docker", "tls", "make-certs.sh"), dir, ...names], {
    encoding: "utf8",
    env: { ...process.env, DAYS: "2" },
  });
  if (r.status !== 0) throw new Error(`make-certs.sh failed (${r.status}): ${r.stderr}`);
  return {
    dir,
    ca: path.join(dir, "ca.pem"),
    cert: path.join(dir, "server.pem"),
    key: path.join(dir, "server.key"),
  };
}
