/**
 * A trial's page (an overlay at #trial/ID): the decoded network drawn as blocks, its curve,
 * where it ran, its failure if any, its log lines (live: fetched from the server when the
 * trial directory is on its host) and downloads of its arch JSON and model files.
 */
import type uPlot from "uplot";
import type { Palette } from "../charts/theme";
import type { DashStudy, DashTrial } from "../model";
import { el, fmtDuration, fmtNum, fmtSi, fmtTime } from "./format";
import { trialCurve } from "./uplot-charts";

let overlay: HTMLElement | null = null;
let plot: uPlot | null = null;

/** "(1,16,1,1,3) (6,24,2,2,3)" -> [[1,16,1,1,3], [6,24,2,2,3]] (any space's format of groups). */
export function parseBlocks(blocks: string | null): number[][] {
  if (!blocks) return [];
  return [...blocks.matchAll(/\(([^)]*)\)/g)].map((m) =>
    (m[1] ?? "").split(",").map((x) => Number(x.trim())),
  );
}

function blocksSvg(groups: number[][], p: Palette): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const w = 96;
  const gap = 14;
  const maxC = Math.max(1, ...groups.map((g) => g[1] ?? 1));
  const width = groups.length * (w + gap) + gap;
  const height = 150;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "blocks");
  groups.forEach((g, i) => {
    const x = gap + i * (w + gap);
    // Box height grows with the block's channel count (2nd number: c for MobileNetV2).
    const h = 40 + 60 * Math.sqrt((g[1] ?? 1) / maxC);
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", String(x));
    rect.setAttribute("y", String((height - h) / 2));
    rect.setAttribute("width", String(w));
    rect.setAttribute("height", String(h));
    rect.setAttribute("rx", "6");
    rect.setAttribute("fill", p.accent);
    rect.setAttribute("fill-opacity", "0.18");
    rect.setAttribute("stroke", p.accent);
    svg.append(rect);
    const label = g.length === 5 ? [`t${g[0]} c${g[1]}`, `n${g[2]} s${g[3]} k${g[4]}`] : [g.join(",")];
    label.forEach((line, j) => {
      const text = document.createElementNS(ns, "text");
      text.setAttribute("x", String(x + w / 2));
      text.setAttribute("y", String(height / 2 + (j - (label.length - 1) / 2) * 14 + 4));
      text.setAttribute("text-anchor", "middle");
      text.setAttribute("font-size", "11");
      text.setAttribute("fill", p.fg);
      text.textContent = line;
      svg.append(text);
    });
    if (i > 0) {
      const line = document.createElementNS(ns, "line");
      line.setAttribute("x1", String(x - gap));
      line.setAttribute("x2", String(x));
      line.setAttribute("y1", String(height / 2));
      line.setAttribute("y2", String(height / 2));
      line.setAttribute("stroke", p.muted);
      svg.append(line);
    }
  });
  return svg;
}

export function archJson(t: DashTrial, study: DashStudy | null): string {
  return JSON.stringify(
    {
      space: study?.space.name ?? null,
      trial: t.id,
      tokens: t.tokens,
      blocks: t.blocks,
      params: t.params,
      flops: t.flops,
      reward: t.reward,
      curve: t.curve,
    },
    null,
    2,
  );
}

export function showTrial(
  t: DashTrial | null,
  study: DashStudy | null,
  p: Palette,
  isReport: boolean,
  onClose: () => void,
): void {
  plot?.destroy();
  plot = null;
  overlay?.remove();
  overlay = null;
  if (!t) return;
  const close = el("button", { class: "close", id: "trial-close" }, "✕ close");
  close.addEventListener("click", onClose);
  const curveBox = el("div", { class: "chart" });
  const logBox = el(
    "pre",
    { class: "log", id: "trial-log" },
    isReport ? "(log lines are not part of the report)" : "…",
  );
  const arch = el("a", { id: "dl-arch", download: `trial-${t.id}-arch.json`, href: "#" }, "⤓ arch JSON");
  arch.addEventListener("click", (e) => {
    if (!isReport) return; // the live server serves it
    e.preventDefault();
    const url = URL.createObjectURL(new Blob([archJson(t, study)], { type: "application/json" }));
    const a = el("a", { href: url, download: `trial-${t.id}-arch.json` });
    document.body.append(a);
    a.click();
    a.remove();
  });
  if (!isReport) arch.setAttribute("href", `api/trials/${t.id}/arch`);
  const files = el("span", { id: "trial-files" });
  const kv = (k: string, v: string): HTMLElement[] => [el("dt", {}, k), el("dd", {}, v)];
  overlay = el(
    "div",
    { class: "overlay", id: "trial-page", "data-trial-id": String(t.id) },
    el(
      "div",
      { class: "panel" },
      el("div", { class: "panel-head" }, el("h2", {}, `Trial ${t.id} · ${t.status}`), close),
      el("div", { class: "blocks-box" }, blocksSvg(parseBlocks(t.blocks), p)),
      el(
        "dl",
        { class: "kv" },
        ...kv("reward (mIoU)", fmtNum(t.reward)),
        ...kv("tokens", t.tokens.join(" ")),
        ...kv("decoded", t.blocks ?? ""),
        ...kv("params / FLOPs", `${fmtSi(t.params)} / ${fmtSi(t.flops)}`),
        ...kv("worker", `${t.worker ?? ""} ${t.host ? "on " + t.host : ""}`),
        ...kv("backend / device", `${t.backend ?? ""} ${t.device ?? ""}`),
        ...kv(
          "started / duration",
          `${fmtTime(t.startedAt)} · ${fmtDuration(t.durationMs)} · attempt ${t.attempts}`,
        ),
        ...(t.failure ? kv("failure", t.failure) : []),
        ...kv("model", t.model ?? "(none saved)"),
      ),
      el("div", { class: "controls" }, arch, " ", files),
      curveBox,
      el("h3", {}, "log"),
      logBox,
    ),
  );
  overlay.addEventListener("click", (e) => {
    if (e.target === overlay) onClose();
  });
  document.body.append(overlay);
  plot = trialCurve(curveBox, t, p);
  if (!isReport) {
    fetch(`api/trials/${t.id}/files`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { files: [], log: [] }))
      .then((info: { files: string[]; log: string[] }) => {
        files.replaceChildren(
          ...info.files.map((f) =>
            el(
              "a",
              {
                href: `api/trials/${t.id}/file/${f.split("/").map(encodeURIComponent).join("/")}`,
                download: f.replace(/\//g, "_"),
              },
              `⤓ ${f} `,
            ),
          ),
        );
        logBox.textContent = info.log.length
          ? info.log.join("\n")
          : "(no log lines for this trial on the server's host)";
      })
      .catch(() => (logBox.textContent = "(could not load the log)"));
  }
}
