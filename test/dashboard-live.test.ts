/**
 * The live dashboard during a small real search (server + 2 workers as processes, fake
 * trainer): bound to 0.0.0.0 it refuses requests without the token; with the printed URL the
 * page shows progress, table and plots, follows running trials' epochs and updates as trials
 * finish (screenshots in test-output/dashboard/); at the end the server writes report.html.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { browserMissing, launchBrowser, rowIds, screenshot, watchErrors } from "./browser";
import { killAll, quick, startServer, startWorker, tmpRunDir } from "./dist-helpers";

jest.setTimeout(180_000);
afterEach(killAll);

const missing = browserMissing();

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("live dashboard", () => {
  (missing ? it.skip : it)("shows the search as it runs and refuses requests without the token", async () => {
    const runDir = tmpRunDir("dash-live");
    const N = 10;
    const overrides = quick(N, [
      "SOLVER.NUM_EPOCHS",
      "3",
      "SEGNAS.SECRET",
      "dash-test-secret",
      "SEGNAS.DASHBOARD_ADDRESS",
      "0.0.0.0",
    ]);
    const { proc: server, port } = await startServer(runDir, overrides);
    const m = await server.waitFor(/dashboard (http:\/\/0\.0\.0\.0:(\d+)\/\?token=(\S+))/);
    const dashPort = Number(m[2]);
    const base = `http://127.0.0.1:${dashPort}`;
    // Not loopback-bound: no token, no data.
    expect(await status(`${base}/api/study`)).toBe(401);
    expect(await status(`${base}/api/trials?after=0`)).toBe(401);
    expect(await status(`${base}/`)).toBe(401);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors = watchErrors(page);
      await page.goto(`${base}/?token=${m[3]}`);
      await page.waitForFunction(() => window.segnas?.ready === true);
      // ECharts comes from assets/charts.js after the first paint: the plots are drawn too.
      await page.waitForFunction(() => (window.segnas?.charts ?? 0) > 0);
      for (const id of ["#pareto-chart canvas", "#parallel-chart canvas", "#importance-chart canvas"])
        expect(await page.$(id)).not.toBeNull();
      expect(page.url()).toBe(`${base}/`);

      // ~3.6 s a trial, 5 rounds: long enough to look at the page while it runs.
      const slow = { SEGNAS_FAKE_EPOCH_MS: "1200" };
      startWorker("worker1", port, runDir, overrides, slow);
      startWorker("worker2", port, runDir, overrides, slow);

      // A running trial's epochs arrive before it finishes (heartbeats carry them).
      await page.waitForFunction(
        () =>
          [...(window.segnas?.store.trials.values() ?? [])].some(
            (t) => t.status === "leased" && t.curve.length > 0,
          ),
        undefined,
        { timeout: 60_000 },
      );
      await page.waitForFunction(() => (window.segnas?.store.study?.completed ?? 0) >= 1, undefined, {
        timeout: 60_000,
      });
      await page.waitForTimeout(700); // let the coalesced chart redraw happen
      await screenshot(page, "live-running");
      const early = await page.evaluate(() => window.segnas?.store.study?.completed ?? 0);
      expect(await page.$$("#workers tr[data-worker-id]")).toHaveLength(2);
      // The trial page of the best trial so far: blocks drawn, files listed, arch JSON served.
      const best = await page.evaluate(() => window.segnas?.store.study?.best?.trialId);
      const arch = await page.evaluate(async (id) => (await fetch(`api/trials/${id}/arch`)).json(), best);
      expect(arch.tokens.length).toBe(25);
      await page.click(`#trials-table [data-trial-id="${best}"]`);
      await page.waitForSelector("#trial-page svg.blocks rect");
      await page.waitForFunction(() => !/…/.test(document.querySelector("#trial-log")?.textContent ?? "…"));
      await screenshot(page, "live-trial-page");
      await page.click("#trial-close");

      await page.waitForFunction(() => window.segnas?.store.study?.finished != null, undefined, {
        timeout: 120_000,
      });
      // The server exits once the search is over: what the page logs after that is its reconnecting.
      const errorsWhileLive = [...errors];
      await page.waitForTimeout(700);
      await screenshot(page, "live-finished");
      const done = await page.evaluate(() => window.segnas?.store.study?.completed ?? 0);
      expect(done).toBe(N);
      expect(done).toBeGreaterThan(early);
      // The table shows every trial, completed.
      const ids = await rowIds(page);
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect(await page.$$eval("#trials-table .tr.st-completed", (r) => r.length)).toBe(N);
      expect(await page.textContent("#st-done")).toBe(`${N} / ${N}done / budget`);
      expect(errorsWhileLive).toEqual([]);
    } finally {
      await browser.close();
    }
    expect((await server.exited).code).toBe(0);
    expect(server.out()).toMatch(/report\s+\S*report\.html/);
    expect(fs.existsSync(path.join(runDir, "report.html"))).toBe(true);
  });
});
