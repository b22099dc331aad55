#!/usr/bin/env node
// The dashboard page at 10,000 trials, measured in a real browser (Debian's chromium through
// playwright-core): time to first paint (navigation start -> progress, table and every plot
// drawn = the first frame after the first render; "all plots" = every plot drawn too: ECharts
// is loaded after the first paint and the plots come one per task after it; and the browser's first-contentful-paint), and sorting / filtering the trials table
// (the click -> the next frame painted). The page is the static report of a synthetic run (the
// same code as the live page; the data comes inlined instead of from /api/snapshot).
//
//   npm run bench:dashboard [-- --trials 10000] [--baseline 1000] [--runs 3]
//
// Targets (issue 11): first paint < 1 s and a sort < 200 ms at 10,000 trials. The baseline is
// the same page at 1,000 trials in the same run: the ratio shows how the page scales.
"use strict";
/* global window, performance, requestAnimationFrame */
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const server = require(path.join(root, "packages/server/dist"));
const ui = require(path.join(root, "packages/dashboard-ui/dist"));
const { CHROMIUM, launchChromium } = require("./lib/chromium");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(browser, file, runs) {
  const out = {
    script: [],
    main: [],
    loaded: [],
    rendered: [],
    paint: [],
    plots: [],
    fcp: [],
    sortReward: [],
    sortTokens: [],
    filter: [],
  };
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.route("**/*", (route) =>
      route.request().url().startsWith("file://") ? route.continue() : route.abort(),
    );
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => window.segnas && window.segnas.ready === true);
    await page.waitForFunction(
      () => window.segnas.chartsAt !== undefined && window.segnas.firstPaintAt !== undefined,
    );
    // Both recorded by the page itself (performance.now(), from navigation start).
    const { paint, plots, script, main, loaded, rendered } = await page.evaluate(() => {
      const mark = (n) => (performance.getEntriesByName(n)[0] || { startTime: NaN }).startTime;
      return {
        paint: window.segnas.firstPaintAt,
        plots: window.segnas.chartsAt,
        script: mark("segnas-script-start"),
        main: mark("segnas-main-start"),
        loaded: mark("segnas-loaded"),
        rendered: mark("segnas-rendered"),
      };
    });

    const fcp = await page.evaluate(() => {
      const e = performance.getEntriesByName("first-contentful-paint")[0];
      return e ? e.startTime : NaN;
    });
    // A sort: decorate-sort of every row, then the visible rows repainted (next frame).
    const timed = (action) =>
      page.evaluate(
        (a) =>
          new Promise((resolve) => {
            const t0 = performance.now();
            const t = window.segnas.table;
            if (a === "reward") t.sortBy("reward", -1);
            else if (a === "tokens") t.sortBy("tokens", 1);
            else t.setFilter("reward", ">0.7");
            requestAnimationFrame(() => resolve(performance.now() - t0));
          }),
        action,
      );
    out.script.push(script);
    out.main.push(main);
    out.loaded.push(loaded);
    out.rendered.push(rendered);
    out.paint.push(paint);
    out.plots.push(plots);
    out.fcp.push(fcp);
    out.sortReward.push(await timed("reward"));
    out.sortTokens.push(await timed("tokens"));
    out.filter.push(await timed("filter"));
    await page.close();
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, median(v)]));
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} not found: apt-get install chromium (see .ci/apt/dash.txt)`);
    process.exit(2);
  }
  const trials = arg("trials", 10000);
  const baseline = arg("baseline", 1000);
  const runs = arg("runs", 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-bench-dashboard-"));
  const browser = await launchChromium();
  try {
    const results = {};
    for (const n of [baseline, trials]) {
      const runDir = path.join(dir, `run-${n}`);
      server.writeSyntheticRun(runDir, { trials: n, workers: 16 });
      const file = path.join(runDir, "report.html");
      const written = ui.writeReport(server.loadRunSnapshot(runDir), file, { images: false });
      results[n] = { ...(await measure(browser, file, runs)), bytes: written.bytes };
    }
    const b = results[baseline];
    const t = results[trials];
    const ms = (x) => `${x.toFixed(0)} ms`;
    const load = os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ");
    console.log(
      `dashboard page, median of ${runs} loads (chromium headless, file://); load average ${load} on ${os.cpus().length} cores`,
    );
    console.log(`trials   first paint   all plots  FCP      sort reward  sort tokens  filter   HTML`);
    for (const n of [baseline, trials]) {
      const r = results[n];
      console.log(
        `${String(n).padEnd(8)} ${ms(r.paint).padEnd(13)} ${ms(r.plots).padEnd(10)} ${ms(r.fcp).padEnd(8)} ${ms(r.sortReward).padEnd(12)} ${ms(r.sortTokens).padEnd(12)} ${ms(r.filter).padEnd(8)} ${(r.bytes / 1048576).toFixed(2)} MB`,
      );
    }
    for (const n of [baseline, trials])
      console.log(
        `${n}: bundle starts at ${ms(results[n].script)} (HTML parsed), page code started at ${ms(results[n].main)}, data parsed and unpacked at ${ms(results[n].loaded)}, progress + table + timeline in the DOM at ${ms(results[n].rendered)}, first paint ${ms(results[n].paint)}`,
      );
    console.log(
      `ratio ${trials}/${baseline}: first paint x${(t.paint / b.paint).toFixed(2)}, sort x${(t.sortReward / b.sortReward).toFixed(2)} (trials x${(trials / baseline).toFixed(0)})`,
    );
    console.log(
      `targets at ${trials}: first paint < 1000 ms: ${t.paint < 1000 ? "met" : "NOT met"} (${ms(t.paint)}); sort < 200 ms: ${t.sortReward < 200 && t.sortTokens < 200 ? "met" : "NOT met"} (${ms(Math.max(t.sortReward, t.sortTokens))})`,
    );
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
