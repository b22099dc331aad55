/**
 * Tests that read `../shared` (beside the repository: data sets, tables, the spec) run when it
 * is there. Outside CI a missing copy skips them with a printed reason; in CI (`CI` set) it is an
 * error, so a broken checkout can never pass by skipping what it should have tested.
 */
import * as fs from "fs";

/** True when `file` exists; false (after saying why) outside CI; throws in CI. */
export function hasSharedFile(file: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (fs.existsSync(file)) return true;
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  if (ci) throw new Error(`${file} is missing: CI must provide ../shared beside the repository`);
  process.stderr.write(`skipped: ${file} is missing (tests reading ../shared need it)\n`);
  return false;
}
