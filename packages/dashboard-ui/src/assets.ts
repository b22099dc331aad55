/**
 * Where the built browser bundle is (dist/assets/app.js + app.css, made by `npm run build:ui`).
 * The same path from src/ (jest) and dist/ (built): both sit one level below the package root.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const ASSETS_DIR = path.join(__dirname, "..", "dist", "assets");

export interface DashboardAssets {
  readonly js: string;
  /** ECharts, run after the first paint. */
  readonly chartsJs: string;
  readonly css: string;
}

let cached: DashboardAssets | null = null;

/** The bundle's text; throws an error saying how to build it when it is missing. */
export function readAssets(): DashboardAssets {
  if (cached) return cached;
  const js = path.join(ASSETS_DIR, "app.js");
  const css = path.join(ASSETS_DIR, "app.css");
  const charts = path.join(ASSETS_DIR, "charts.js");
  if (!fs.existsSync(js) || !fs.existsSync(css) || !fs.existsSync(charts)) {
    throw new Error(
      `the dashboard's browser bundle is missing (${js}): run \`npm run build:ui\` (or \`npm ci\`, which builds it)`,
    );
  }
  cached = {
    js: fs.readFileSync(js, "utf8"),
    chartsJs: fs.readFileSync(charts, "utf8"),
    css: fs.readFileSync(css, "utf8"),
  };
  return cached;
}

/** The page's HTML shell; `inline` embeds scripts, styles and data (the report), else links them. */
export function pageHtml(opts: {
  title: string;
  inline?: { assets: DashboardAssets; dataJson: string };
}): string {
  const title = escapeHtml(opts.title);
  if (!opts.inline) {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${title}</title><link rel="stylesheet" href="assets/app.css"></head><body><div id="app"></div><script src="assets/app.js"></script></body></html>\n`;
  }
  const { assets, dataJson } = opts.inline;
  // `</script` inside inlined text would end the element early.
  const safe = (s: string): string => s.replace(/<\/(script)/gi, "<\\/$1");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${title}</title><style>${assets.css.replace(/<\/(style)/gi, "<\\/$1")}</style></head><body><div id="app"></div><script id="segnas-data" type="application/json">${safe(dataJson)}</script><script>window.segnasChartsCode=function(){${safe(assets.chartsJs)}\n};</script><script>${safe(assets.js)}</script></body></html>\n`;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string,
  );
}
