/**
 * The static report: one self-contained HTML file (bundle, styles and data inlined; opens from
 * file:// with no network) plus SVG and PNG images of the main plots, rendered in Node by
 * ECharts' server-side SVG renderer (no DOM) and rasterised by resvg (a prebuilt native binary
 * shipped as an npm package).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readAssets, pageHtml } from "../assets";
import { importanceOption, paretoOption, parallelOption, rewardOption } from "../charts/options";
import { LIGHT } from "../charts/theme";
import type { DashSnapshot } from "../model";
import { packTrials } from "../pack";

export function reportHtml(snapshot: DashSnapshot): string {
  return pageHtml({
    title: `segnas report ${snapshot.study.studyId}`,
    inline: {
      assets: readAssets(),
      dataJson: JSON.stringify({ ...snapshot, trials: [], packed: packTrials(snapshot.trials) }),
    },
  });
}

export interface PlotImage {
  readonly name: string;
  readonly svg: string;
}

/** The main plots as SVG text (light theme: papers and slides). */
export function plotSvgs(snapshot: DashSnapshot, width = 900, height = 480): PlotImage[] {
  // The full build works under require() in Node; the page bundles the tree-shaken echarts/core.
  const echarts = require("echarts") as {
    init(
      dom: null,
      theme: null,
      opts: { renderer: "svg"; ssr: true; width: number; height: number },
    ): { setOption(o: unknown): void; renderToSVGString(): string; dispose(): void };
  };
  const { trials, study } = snapshot;
  const plots: Array<[string, unknown]> = [
    ["reward", rewardOption(trials, LIGHT)],
    ["pareto-flops", paretoOption(trials, "flops", LIGHT)],
    ["pareto-params", paretoOption(trials, "params", LIGHT)],
    ["parallel", parallelOption(trials, study.space, trials.length >= 50 ? 0.2 : 1, LIGHT)],
    ["importance", importanceOption(trials, study.space, LIGHT)],
  ];
  if (trials.some((t) => t.latencyMs !== null && t.reward !== null))
    plots.splice(3, 0, ["pareto-latency", paretoOption(trials, "latencyMs", LIGHT)]);
  return plots.map(([name, option]) => {
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
    try {
      chart.setOption(option);
      return { name, svg: chart.renderToSVGString() };
    } finally {
      chart.dispose();
    }
  });
}

export function svgToPng(svg: string, width = 1800): Buffer {
  const { Resvg } = require("@resvg/resvg-js") as {
    Resvg: new (svg: string, opts: unknown) => { render(): { asPng(): Buffer } };
  };
  return new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "#ffffff",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
}

export interface WrittenReport {
  readonly html: string;
  readonly bytes: number;
  readonly images: string[];
}

/** Writes report.html (to `out`) and, unless `images` is false, plots/NAME.svg + .png beside it. */
export function writeReport(
  snapshot: DashSnapshot,
  out: string,
  opts: { images?: boolean } = {},
): WrittenReport {
  const html = reportHtml(snapshot);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, out);
  const images: string[] = [];
  if (opts.images !== false) {
    const dir = path.join(path.dirname(out), "plots");
    fs.mkdirSync(dir, { recursive: true });
    for (const plot of plotSvgs(snapshot)) {
      const svgFile = path.join(dir, `${plot.name}.svg`);
      fs.writeFileSync(svgFile, plot.svg);
      images.push(svgFile);
      const pngFile = path.join(dir, `${plot.name}.png`);
      fs.writeFileSync(pngFile, svgToPng(plot.svg));
      images.push(pngFile);
    }
  }
  return { html: out, bytes: Buffer.byteLength(html), images };
}
