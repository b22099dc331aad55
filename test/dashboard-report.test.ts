/**
 * `segnas report` on a synthetic run of 2,000 trials: one HTML file under 2 MB with the plots'
 * SVG and PNG files beside it; opened from file:// with every other request blocked, it shows
 * the table and the plots with no console error, sorts, filters and opens a trial page.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeSyntheticRun } from "@segnas/server";
import { browserMissing, launchBrowser, rowIds, screenshot, watchErrors } from "./browser";
import { runCli } from "./helpers";

jest.setTimeout(180_000);

const missing = browserMissing();

describe("static report", () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-report-"));
  const out = path.join(runDir, "out", "report.html");

  beforeAll(() => {
    writeSyntheticRun(runDir, { trials: 2000, workers: 12, running: 0 });
  });
  afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }));

  it("writes one file under 2 MB for 2,000 trials, plus SVG and PNG plots", () => {
    const r = runCli(["report", runDir, "--out", out, "--json"], { timeout: 120_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as { bytes: number; trials: number; images: string[] };
    expect(info.trials).toBe(2000);
    expect(fs.statSync(out).size).toBeLessThan(2 * 1024 * 1024);
    const html = fs.readFileSync(out, "utf8");
    // Self-contained: no external script, style or fetch target.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)/);
    for (const name of ["reward", "pareto-flops", "pareto-params", "parallel", "importance"]) {
      const svg = fs.readFileSync(path.join(runDir, "out", "plots", `${name}.svg`), "utf8");
      expect(svg).toMatch(/^<svg/);
      const png = fs.readFileSync(path.join(runDir, "out", "plots", `${name}.png`));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
    }
  });

  it("a bad run directory gets a clear error", () => {
    const r = runCli(["report", path.join(runDir, "nope")]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no journal\.jsonl: give the run directory of a search/);
  });

  (missing ? it.skip : it)("opens from file:// with the network off and no console errors", async () => {
    if (!fs.existsSync(out)) runCli(["report", runDir, "--out", out, "--no-images"], { timeout: 120_000 });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const blocked: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file://")) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const errors = watchErrors(page);
      await page.goto(`file://${out}`);
      await page.waitForFunction(() => window.segnas?.ready === true);
      await page.waitForFunction(() => (window.segnas?.charts ?? 0) > 0);
      expect(await page.textContent("#st-done")).toMatch(/\d+ \/ 2000/);
      expect((await rowIds(page)).length).toBeGreaterThan(10);
      // Every plot drew something.
      for (const id of [
        "#reward-chart canvas",
        "#pareto-chart canvas",
        "#parallel-chart canvas",
        "#importance-chart canvas",
        "#timeline",
      ])
        expect(await page.$(id)).not.toBeNull();
      await screenshot(page, "report-2000");

      // Sort by reward (descending): the first row is the best trial.
      await page.click('.th[data-col="reward"]');
      await page.click('.th[data-col="reward"]');
      const best = await page.evaluate(() => window.segnas?.store.study?.best?.trialId);
      expect((await rowIds(page))[0]).toBe(best);
      // Filter on status.
      await page.fill('.tf[data-col="status"]', "failed");
      const failedShown = await page.evaluate(() =>
        window.segnas?.table.shown().every((t) => t.status === "failed"),
      );
      expect(failedShown).toBe(true);
      await page.fill('.tf[data-col="status"]', "");
      // A trial page.
      await page.click(`#trials-table [data-trial-id="${best}"]`);
      await page.waitForSelector("#trial-page svg.blocks rect");
      await screenshot(page, "report-trial-page");
      await page.click("#trial-close");
      // Dark theme.
      await page.click("#theme");
      await screenshot(page, "report-dark");
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
