/** uPlot charts: reward per trial with best so far, and per-epoch curves (live and top-k). */
import uPlot from "uplot";
import { rewardHistory, topFraction } from "../analysis";
import type { Palette } from "../charts/theme";
import type { DashTrial } from "../model";
import { el } from "./format";

function size(box: HTMLElement): { width: number; height: number } {
  return { width: Math.max(300, box.clientWidth - 4), height: 260 };
}

export class RewardChart {
  private plot: uPlot | null = null;
  private palette: Palette | null = null;
  constructor(readonly box: HTMLElement) {}

  update(trials: readonly DashTrial[], p: Palette): void {
    const h = rewardHistory(trials);
    const data: uPlot.AlignedData = [h.order, h.reward, h.best];
    if (!this.plot || this.palette !== p) {
      this.plot?.destroy();
      this.palette = p;
      const axis = { stroke: p.muted, grid: { stroke: p.grid }, ticks: { stroke: p.grid } };
      this.plot = new uPlot(
        {
          ...size(this.box),
          title: "Reward per trial, best so far",
          scales: { x: { time: false } },
          axes: [
            { ...axis, label: "result #" },
            { ...axis, label: "mIoU" },
          ],
          series: [
            { label: "result #" },
            { label: "reward", stroke: p.accent, width: 0, points: { show: true, size: 5, fill: p.accent } },
            { label: "best so far", stroke: p.best, width: 2, paths: uPlot.paths.stepped?.({ align: 1 }) },
          ],
        },
        data,
        this.box,
      );
    } else this.plot.setData(data);
  }

  resize(): void {
    this.plot?.setSize(size(this.box));
  }
}

/** Per-epoch mIoU of running trials (live) and, on demand, of the top-k finished ones. */
export class CurvesChart {
  private plot: uPlot | null = null;
  private seriesKey = "";
  readonly controls: HTMLElement;
  private readonly topBox: HTMLInputElement;
  private readonly kBox: HTMLInputElement;

  constructor(
    readonly box: HTMLElement,
    onChange: () => void,
  ) {
    this.topBox = el("input", { type: "checkbox", id: "curves-top" });
    this.kBox = el("input", {
      type: "number",
      min: "1",
      max: "50",
      value: "5",
      id: "curves-k",
      class: "num",
    });
    this.topBox.addEventListener("change", onChange);
    this.kBox.addEventListener("change", onChange);
    this.controls = el(
      "div",
      { class: "controls" },
      el("label", {}, this.topBox, " also the top "),
      this.kBox,
      el("span", {}, " finished trials"),
    );
  }

  update(trials: readonly DashTrial[], p: Palette): void {
    const running = trials.filter((t) => t.status === "leased" && t.curve.length > 0);
    // With nothing running (a finished search, a report) the top k are the only curves to show.
    const wantTop = this.topBox.checked || running.length === 0;
    const top = wantTop ? topFraction(trials, 1).slice(0, Number(this.kBox.value) || 5) : [];
    const shown = [...running, ...top.filter((t) => !running.includes(t))];
    const maxEpoch = shown.reduce((m, t) => Math.max(m, ...t.curve.map((c) => c[0])), 1);
    const xs = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const data: uPlot.AlignedData = [
      xs,
      ...shown.map((t) => {
        const ys: Array<number | null> = xs.map(() => null);
        for (const [e, m] of t.curve) if (e >= 1 && e <= maxEpoch) ys[e - 1] = m;
        return ys;
      }),
    ];
    const key = `${shown.map((t) => `${t.id}:${t.status}`).join(",")}|${p.bg}`;
    if (key !== this.seriesKey || !this.plot) {
      this.plot?.destroy();
      this.seriesKey = key;
      const axis = { stroke: p.muted, grid: { stroke: p.grid }, ticks: { stroke: p.grid } };
      this.plot = new uPlot(
        {
          ...size(this.box),
          title: shown.length
            ? running.length
              ? "Per-epoch mIoU (solid: running, dashed: finished)"
              : `Per-epoch mIoU of the top ${top.length} trials`
            : "Per-epoch mIoU (no trial reported epochs yet)",
          scales: { x: { time: false } },
          axes: [
            { ...axis, label: "epoch" },
            { ...axis, label: "mIoU" },
          ],
          series: [
            { label: "epoch" },
            ...shown.map((t, i) => ({
              label: `${t.status === "leased" ? "running" : "done"} #${t.id}`,
              stroke: p.series[i % p.series.length] as string,
              width: t.status === "leased" ? 2.5 : 1.5,
              dash: t.status === "leased" ? undefined : [5, 3],
              spanGaps: true,
            })),
          ],
        },
        data,
        this.box,
      );
    } else this.plot.setData(data);
  }

  resize(): void {
    this.plot?.setSize(size(this.box));
  }
}

/** One trial's curve (trial page). */
export function trialCurve(box: HTMLElement, t: DashTrial, p: Palette): uPlot | null {
  if (t.curve.length === 0) return null;
  const axis = { stroke: p.muted, grid: { stroke: p.grid }, ticks: { stroke: p.grid } };
  return new uPlot(
    {
      width: Math.max(300, box.clientWidth - 4) || 600,
      height: 220,
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: "epoch" },
        { ...axis, label: "mIoU" },
      ],
      series: [{ label: "epoch" }, { label: "mIoU", stroke: p.accent, width: 2 }],
    },
    [t.curve.map((c) => c[0]), t.curve.map((c) => c[1])],
    box,
  );
}
