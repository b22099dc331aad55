// Bundles the page (src/browser/main.ts + its CSS, and ECharts apart) into dist/assets/app.js +
// app.css + charts.js with
// esbuild (its binary ships as an npm package: no download at install time). Run by
// `npm run build:ui` from the repo root, which `npm ci` (prepare), `npm test` and `npm start` do.
import { build } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist", "assets");
fs.mkdirSync(outdir, { recursive: true });
const result = await build({
  // The chart library apart: the page paints before it runs (see loadEcharts in main.ts).
  entryPoints: {
    app: path.join(root, "src", "browser", "main.ts"),
    charts: path.join(root, "src", "browser", "echarts-setup.ts"),
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  outdir,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});
const sizes = Object.entries(result.metafile.outputs)
  .map(([f, o]) => `${path.basename(f)} ${(o.bytes / 1024).toFixed(0)} KiB`)
  .join(", ");
console.log(`dashboard-ui: ${sizes}`);
