/**
 * The per-worker timeline on a canvas: one lane per worker (no cap; the canvas grows), a bar
 * per lease (completed, failed, running, or lost and handed out again: "requeued"), the gaps
 * between bars are the worker's idle time. Hover names the trial, click opens it.
 */
import type { Palette } from "../charts/theme";
import type { DashSpan } from "../model";
import { fmtDuration } from "./format";

const LANE = 22;
const LEFT = 130;

export class Timeline {
  readonly canvas: HTMLCanvasElement;
  private spans: DashSpan[] = [];
  private lanes: string[] = [];
  private t0 = 0;
  private t1 = 1;

  constructor(
    readonly box: HTMLElement,
    onOpen: (id: number) => void,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.id = "timeline";
    box.append(this.canvas);
    this.canvas.addEventListener("mousemove", (e) => {
      const s = this.hit(e);
      this.canvas.title = s
        ? `trial ${s.trialId} (attempt ${s.attempt}) on ${s.worker}: ${s.outcome}, ${fmtDuration((s.end ?? Date.now()) - s.start)}`
        : "";
      this.canvas.style.cursor = s ? "pointer" : "default";
    });
    this.canvas.addEventListener("click", (e) => {
      const s = this.hit(e);
      if (s) onOpen(s.trialId);
    });
  }

  update(spans: readonly DashSpan[], workers: readonly string[], now: number, p: Palette): void {
    this.spans = [...spans];
    const names = new Set<string>(workers);
    for (const s of spans) names.add(s.worker);
    this.lanes = [...names].sort();
    this.t0 = spans.reduce((m, s) => Math.min(m, s.start), Infinity);
    if (!Number.isFinite(this.t0)) this.t0 = now - 1000;
    this.t1 = Math.max(now, ...spans.map((s) => s.end ?? now), this.t0 + 1000);
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(400, this.box.clientWidth - 4);
    const height = Math.max(1, this.lanes.length) * LANE + 24;
    this.canvas.width = width * dpr;
    this.canvas.height = height * dpr;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = p.bg;
    ctx.fillRect(0, 0, width, height);
    ctx.font = "11px sans-serif";
    ctx.textBaseline = "middle";
    const x = (t: number): number => LEFT + ((t - this.t0) / (this.t1 - this.t0)) * (width - LEFT - 8);
    this.lanes.forEach((w, i) => {
      const y = i * LANE;
      ctx.fillStyle = i % 2 ? p.grid : p.bg;
      ctx.globalAlpha = 0.5;
      ctx.fillRect(0, y, width, LANE);
      ctx.globalAlpha = 1;
      ctx.fillStyle = p.fg;
      ctx.fillText(w.length > 18 ? w.slice(0, 17) + "…" : w, 4, y + LANE / 2);
    });
    const colour: Record<DashSpan["outcome"], string> = {
      completed: p.accent,
      failed: p.fail,
      running: p.series[1] as string,
      requeued: p.muted,
    };
    for (const s of this.spans) {
      const lane = this.lanes.indexOf(s.worker);
      const x0 = x(s.start);
      const x1 = Math.max(x0 + 2, x(s.end ?? now));
      ctx.fillStyle = colour[s.outcome];
      ctx.fillRect(x0, lane * LANE + 3, x1 - x0 - 1, LANE - 6);
      if (x1 - x0 > 24) {
        ctx.fillStyle = "#fff";
        ctx.fillText(String(s.trialId), x0 + 3, lane * LANE + LANE / 2);
      }
    }
    ctx.fillStyle = p.muted;
    const axisY = this.lanes.length * LANE + 12;
    ctx.fillText(`0`, LEFT, axisY);
    const span = `${fmtDuration(this.t1 - this.t0)}`;
    ctx.fillText(span, width - 8 - ctx.measureText(span).width, axisY);
    ctx.fillText("■ completed", LEFT + 60, axisY);
    ctx.fillStyle = colour.failed;
    ctx.fillText("■ failed", LEFT + 140, axisY);
    ctx.fillStyle = colour.running;
    ctx.fillText("■ running", LEFT + 195, axisY);
    ctx.fillStyle = colour.requeued;
    ctx.fillText("■ re-issued (lease lost)", LEFT + 260, axisY);
  }

  private hit(e: MouseEvent): DashSpan | undefined {
    const r = this.canvas.getBoundingClientRect();
    const px = e.clientX - r.left;
    const lane = Math.floor((e.clientY - r.top) / LANE);
    const w = this.lanes[lane];
    if (w === undefined || px < LEFT) return undefined;
    const width = r.width;
    const t = this.t0 + ((px - LEFT) / (width - LEFT - 8)) * (this.t1 - this.t0);
    return this.spans.find((s) => s.worker === w && s.start <= t && (s.end ?? Date.now()) >= t);
  }
}
