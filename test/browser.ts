/**
 * A real browser for the dashboard tests: Debian's chromium (`.ci/apt/dash.txt`) driven by
 * playwright-core, launched as the dashboard benchmark launches it (bench/lib/chromium.js).
 * Where chromium is missing the tests skip with a reason, except in CI (CI=true), where they
 * fail: CI installs it.
 */
import * as fs from "fs";
import * as path from "path";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import type { DashStudy, DashTrial } from "@segnas/dashboard-ui";
import { CHROMIUM, launchChromium } from "../bench/lib/chromium";
import { ROOT } from "./helpers";

/** What the page exposes for tests and the benchmark (see dashboard-ui/src/browser/main.ts). */
declare global {
  interface Window {
    segnas?: {
      ready: boolean;
      renders: number;
      charts: number;
      store: { study: DashStudy | null; trials: Map<number, DashTrial>; trialsVersion: number };
      table: { shown(): readonly DashTrial[]; sortBy(key: string, dir?: 1 | -1): void };
    };
  }
}

export { CHROMIUM };
export const TEST_OUTPUT = path.join(ROOT, "test-output", "dashboard");

/** Null (after printing why) when the tests cannot run here; throws in CI. */
export function browserMissing(): string | null {
  if (fs.existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; listed in .ci/apt/dash.txt)`;
  if (process.env.CI === "true") throw new Error(why);
  return why;
}

export async function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

/** Collects console errors and page errors (uncaught exceptions) of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e: Error) => errors.push(e.message));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Rows of the trials table currently in the DOM (the table is virtualised). */
export async function rowIds(page: Page): Promise<number[]> {
  return page.$$eval("#trials-table [data-trial-id]", (rows) =>
    rows
      .filter((r) => (r as HTMLElement).style.display !== "none")
      .map((r) => Number(r.getAttribute("data-trial-id"))),
  );
}
