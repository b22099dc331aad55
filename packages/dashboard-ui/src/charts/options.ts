/**
 * ECharts options for the plots the page and the report share (reward history, Pareto front,
 * parallel coordinates, choice importance). Plain objects: the page feeds them to the
 * tree-shaken `echarts/core`, the report to ECharts' server-side SVG renderer.
 */
import { choiceImportance, paretoFront, rewardHistory, topFraction } from "../analysis";
import type { DashSpace, DashTrial } from "../model";
import type { Palette } from "./theme";

type Option = Record<string, unknown>;

export type CostKey = "flops" | "params" | "latencyMs";

export const COST_LABEL: Record<CostKey, string> = {
  flops: "FLOPs",
  params: "params",
  latencyMs: "latency (ms)",
};

function base(p: Palette, title: string): Option {
  return {
    animation: false,
    backgroundColor: p.bg,
    textStyle: { color: p.fg, fontFamily: "sans-serif" },
    title: { text: title, left: 8, top: 4, textStyle: { color: p.fg, fontSize: 13, fontWeight: "bold" } },
    grid: { left: 56, right: 20, top: 40, bottom: 40 },
  };
}

function axis(p: Palette, name: string, extra: Option = {}): Option {
  return {
    name,
    nameLocation: "middle",
    nameGap: 26,
    nameTextStyle: { color: p.muted },
    axisLine: { lineStyle: { color: p.muted } },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.grid } },
    scale: true,
    ...extra,
  };
}

export function rewardOption(trials: readonly DashTrial[], p: Palette): Option {
  const h = rewardHistory(trials);
  return {
    ...base(p, "Reward per trial, best so far"),
    tooltip: { trigger: "item" },
    legend: { right: 10, top: 4, textStyle: { color: p.muted }, data: ["reward", "best so far"] },
    xAxis: axis(p, "result #", { type: "value", minInterval: 1 }),
    yAxis: axis(p, "mIoU", { type: "value", nameGap: 40 }),
    series: [
      {
        name: "reward",
        type: "scatter",
        symbolSize: 5,
        itemStyle: { color: p.accent, opacity: 0.7 },
        data: h.order.map((x, i) => [x, h.reward[i], h.ids[i]]),
      },
      {
        name: "best so far",
        type: "line",
        step: "end",
        showSymbol: false,
        lineStyle: { color: p.best, width: 2 },
        itemStyle: { color: p.best },
        data: h.order.map((x, i) => [x, h.best[i]]),
      },
    ],
  };
}

export function paretoOption(trials: readonly DashTrial[], key: CostKey, p: Palette): Option {
  const pts = trials
    .filter((t) => t.reward !== null && t[key] !== null)
    .map((t) => ({ id: t.id, cost: t[key] as number, reward: t.reward as number }));
  const front = paretoFront(pts);
  const logAxis = key !== "latencyMs" && pts.length > 0 && pts.every((q) => q.cost > 0);
  return {
    ...base(p, `Pareto front: mIoU vs ${COST_LABEL[key]}`),
    tooltip: { trigger: "item" },
    legend: { right: 10, top: 4, textStyle: { color: p.muted }, data: ["trials", "Pareto front"] },
    xAxis: axis(p, COST_LABEL[key] + (logAxis ? " (log)" : ""), { type: logAxis ? "log" : "value" }),
    yAxis: axis(p, "mIoU", { type: "value", nameGap: 40 }),
    series: [
      {
        name: "trials",
        type: "scatter",
        symbolSize: 5,
        large: pts.length > 2000,
        itemStyle: { color: p.accent, opacity: 0.55 },
        data: pts.map((q) => [q.cost, q.reward, q.id]),
      },
      {
        name: "Pareto front",
        type: "line",
        step: "end",
        symbolSize: 7,
        lineStyle: { color: p.front, width: 2 },
        itemStyle: { color: p.front },
        data: front.map((q) => [q.cost, q.reward, q.id]),
      },
    ],
  };
}

/** Parallel coordinates over the searched choices (+ reward), of the top `fraction` trials. */
export function parallelOption(
  trials: readonly DashTrial[],
  space: DashSpace,
  fraction: number,
  p: Palette,
): Option {
  const shown = topFraction(trials, fraction);
  const dims = space.tokenNames.length;
  const rewards = shown.map((t) => t.reward as number);
  const lo = rewards.length ? Math.min(...rewards) : 0;
  const hi = rewards.length ? Math.max(...rewards) : 1;
  const parallelAxis = [
    ...space.tokenNames.map((name, i) => ({
      dim: i,
      name: name
        .replace(/^block/, "b")
        .replace(".multiply", ".t")
        .replace(".filter_num", ".c")
        .replace(".repeat", ".n")
        .replace(".k_size", ".k"),
      type: "value",
      min: 0,
      max: Math.max(0, (space.rangeTable[i] ?? 1) - 1),
      minInterval: 1,
      nameTextStyle: { color: p.muted, fontSize: 9 },
      axisLabel: { color: p.muted, fontSize: 9 },
      axisLine: { lineStyle: { color: p.muted } },
    })),
    {
      dim: dims,
      name: "mIoU",
      type: "value",
      scale: true,
      nameTextStyle: { color: p.fg },
      axisLabel: { color: p.muted, fontSize: 9 },
      axisLine: { lineStyle: { color: p.muted } },
    },
  ];
  return {
    ...base(p, `Parallel coordinates (top ${Math.round(fraction * 100)}%, ${shown.length} trials)`),
    parallel: { left: 40, right: 60, top: 60, bottom: 30, parallelAxisDefault: { realtime: true } },
    parallelAxis,
    visualMap: {
      show: false,
      dimension: dims,
      min: lo,
      max: hi === lo ? lo + 1e-9 : hi,
      inRange: { color: [p.grid === "#2b313a" ? "#3b4a63" : "#b8c7e0", p.accent, p.best] },
    },
    series: [
      {
        type: "parallel",
        lineStyle: { width: 1, opacity: 0.45 },
        inactiveOpacity: 0.03,
        activeOpacity: 0.9,
        progressive: 500,
        data: shown.map((t) => [...t.tokens, t.reward]),
      },
    ],
  };
}

export const MIN_IMPORTANCE_SAMPLES = 10;

export function importanceOption(trials: readonly DashTrial[], space: DashSpace, p: Palette): Option {
  const samples = trials
    .filter((t) => t.reward !== null)
    .map((t) => ({ tokens: t.tokens, reward: t.reward as number }));
  // With a handful of rewards every choice "explains" everything: wait for a few more.
  const enough = samples.length >= MIN_IMPORTANCE_SAMPLES;
  const imp = (enough ? choiceImportance(samples, space.tokenNames, space.rangeTable) : [])
    .sort((a, b) => b.importance - a.importance)
    .slice(0, 12)
    .reverse();
  return {
    ...base(
      p,
      enough
        ? "Choice importance (share of reward variance explained)"
        : `Choice importance: needs ${MIN_IMPORTANCE_SAMPLES} rewards (${samples.length} so far)`,
    ),
    grid: { left: 130, right: 30, top: 40, bottom: 36 },
    tooltip: { trigger: "axis" },
    xAxis: axis(p, "η² (between-value variance / total)", { type: "value", min: 0, scale: false }),
    yAxis: {
      type: "category",
      data: imp.map((i) => i.name),
      axisLabel: { color: p.muted, fontSize: 10 },
      axisLine: { lineStyle: { color: p.muted } },
    },
    series: [
      {
        type: "bar",
        itemStyle: { color: p.accent },
        data: imp.map((i) => Number(i.importance.toFixed(4))),
      },
    ],
  };
}
