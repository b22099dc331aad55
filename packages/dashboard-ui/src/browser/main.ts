/**
 * The dashboard page. Live: loads /api/study + /api/trials + /api/workers, then follows
 * /api/events (SSE; the browser resends Last-Event-ID on reconnect, so the server sends only
 * what changed). Report: reads the snapshot inlined in #segnas-data, no network at all.
 * Redraws are coalesced (at most one per animation frame, charts at most every 500 ms), so a
 * burst of updates never piles up refreshes.
 */
import "./t0";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { COST_LABEL, importanceOption, paretoOption, parallelOption, type CostKey } from "../charts/options";
import { topFraction } from "../analysis";
import { unpackTrials } from "../pack";
import { DARK, LIGHT, type Palette } from "../charts/theme";
import type { DashSnapshot, DashTrial, DashUpdate } from "../model";
import { el, fmtDuration, fmtNum, fmtTime } from "./format";
import type { EchartsLib } from "./echarts-setup";
import { Store } from "./store";
import { TrialsTable, toCsv } from "./table";
import { Timeline } from "./timeline";
import { showTrial } from "./trial-page";
import { CurvesChart, RewardChart } from "./uplot-charts";

declare global {
  interface Window {
    /** For tests and the benchmark: ready = first render done; charts = plot passes done. */
    segnas?: {
      store: Store;
      table: TrialsTable;
      ready: boolean;
      renders: number;
      charts: number;
      /** performance.now() after the first frame with progress and table painted. */
      firstPaintAt?: number;
      /** performance.now() once every plot was drawn the first time. */
      chartsAt?: number;
    };
  }
}

performance.mark("segnas-main-start");
const store = new Store();
const dataEl = document.getElementById("segnas-data");
const isReport = dataEl !== null;

let dark =
  (localStorage.getItem("segnas-theme") ?? "") === "dark" ||
  (!localStorage.getItem("segnas-theme") && matchMedia?.("(prefers-color-scheme: dark)").matches);
const palette = (): Palette => (dark ? DARK : LIGHT);

const app = document.getElementById("app") as HTMLElement;
const status = el("span", { class: "conn", id: "conn" }, isReport ? "static report" : "connecting…");
const themeBtn = el("button", { id: "theme", title: "light / dark" }, "◐ theme");
const csvBtn = el("button", { id: "dl-csv" }, "⤓ CSV");
const jsonBtn = el("button", { id: "dl-json" }, "⤓ JSON");
const title = el("h1", {}, "segnas");
const progress = el("section", { class: "progress", id: "progress" });
const rewardBox = el("div", { class: "chart", id: "reward-chart" });
const paretoBox = el("div", { class: "chart ec", id: "pareto-chart" });
const paretoKey = el("select", { id: "pareto-key" });
for (const k of Object.keys(COST_LABEL))
  paretoKey.append(el("option", { value: k }, COST_LABEL[k as CostKey]));
const parallelBox = el("div", { class: "chart ec tall", id: "parallel-chart" });
const topK = el("select", { id: "parallel-top" });
for (const v of ["100", "50", "20", "10", "5"]) topK.append(el("option", { value: v }, `top ${v}%`));
const clearBrush = el("button", { id: "clear-brush" }, "clear brush");
const importanceBox = el("div", { class: "chart ec", id: "importance-chart" });
const curvesBox = el("div", { class: "chart", id: "curves-chart" });
const timelineBox = el("div", { class: "timeline-box", id: "timeline-box" });
const workersBox = el("div", { class: "workers", id: "workers" });

const table = new TrialsTable((id) => (location.hash = `#trial/${id}`));
const reward = new RewardChart(rewardBox);
const curves = new CurvesChart(curvesBox, () => schedule(true, true));
const timeline = new Timeline(timelineBox, (id) => (location.hash = `#trial/${id}`));

function card(titleText: string, ...body: Array<Node | string>): HTMLElement {
  return el("section", { class: "card" }, el("h2", {}, titleText), ...body);
}

app.append(
  el("header", {}, title, status, el("span", { class: "grow" }), csvBtn, jsonBtn, themeBtn),
  progress,
  el(
    "div",
    { class: "grid2" },
    card("History", rewardBox),
    card("Pareto front", el("div", { class: "controls" }, "cost: ", paretoKey), paretoBox),
  ),
  card(
    "Parallel coordinates",
    el("div", { class: "controls" }, topK, " drag along an axis to brush; the table follows ", clearBrush),
    parallelBox,
  ),
  el(
    "div",
    { class: "grid2" },
    card("Choice importance", importanceBox),
    card("Per-epoch curves", curves.controls, curvesBox),
  ),
  card("Workers", workersBox, timelineBox),
  card("Trials", table.root),
);

type Chart = ReturnType<EchartsLib["init"]>;
/** Null until ECharts is loaded: it comes after the first paint (see loadEcharts). */
let charts: { pareto: Chart; parallel: Chart; importance: Chart } | null = null;
let parallelIds: number[] = [];

function initCharts(echarts: EchartsLib): void {
  if (charts) return;
  charts = {
    pareto: echarts.init(paretoBox),
    parallel: echarts.init(parallelBox),
    importance: echarts.init(importanceBox),
  };
  wireCharts(charts);
  drawCharts(true);
}

/**
 * ECharts is the largest part of the page's code: it is its own script (live: assets/charts.js;
 * report: an inlined function), run after the first paint so that progress and table show first.
 */
function loadEcharts(): void {
  const w = window as unknown as { segnasEcharts?: EchartsLib; segnasChartsCode?: () => void };
  const done = (): void => {
    if (w.segnasEcharts) initCharts(w.segnasEcharts);
  };
  if (w.segnasEcharts) return done();
  if (w.segnasChartsCode) {
    w.segnasChartsCode();
    return done();
  }
  const script = document.createElement("script");
  script.src = "assets/charts.js";
  script.addEventListener("load", done);
  document.head.append(script);
}

function wireCharts(charts: { pareto: Chart; parallel: Chart; importance: Chart }): void {
  charts.pareto.on("click", (e: { data?: unknown }) => {
    const id = Array.isArray(e.data) ? (e.data[2] as number) : undefined;
    if (id !== undefined) location.hash = `#trial/${id}`;
  });
  charts.parallel.on("axisareaselected", () => {
    // ECharts keeps the brush state on the series model: the active lines are the brushed ones.
    const model = (
      charts.parallel as unknown as {
        getModel(): { getSeries(): Array<{ getRawIndicesByActiveState(s: string): number[] }> };
      }
    ).getModel();
    const series = model.getSeries()[0];
    const active = series ? series.getRawIndicesByActiveState("active") : [];
    const all = series ? active.length + series.getRawIndicesByActiveState("inactive").length : 0;
    table.restrictTo(active.length === all ? null : new Set(active.map((i) => parallelIds[i] as number)));
  });
}
clearBrush.addEventListener("click", () => {
  table.restrictTo(null);
  drawCharts(true);
});
paretoKey.addEventListener("change", () => drawCharts(true));
topK.addEventListener("change", () => {
  table.restrictTo(null);
  drawCharts(true);
});

let topChosen = false;
topK.addEventListener("change", () => (topChosen = true));
/** Many lines make parallel coordinates unreadable: past 200 trials start at the top 20%. */
function defaultTopK(): void {
  if (!topChosen) topK.value = store.trials.size > 200 ? "20" : "100";
}

function applyTheme(): void {
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}
themeBtn.addEventListener("click", () => {
  dark = !dark;
  localStorage.setItem("segnas-theme", dark ? "dark" : "light");
  applyTheme();
  drawCharts(true);
  render();
});
applyTheme();

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
csvBtn.addEventListener("click", () =>
  download("trials.csv", toCsv(table.shown(), table.visibleColumns()), "text/csv"),
);
jsonBtn.addEventListener("click", () =>
  download("trials.json", JSON.stringify(table.shown(), null, 1), "application/json"),
);

function stat(label: string, value: string, id: string): HTMLElement {
  return el("div", { class: "stat", id }, el("div", { class: "v" }, value), el("div", { class: "l" }, label));
}

function renderProgress(): void {
  const s = store.study;
  if (!s) return;
  title.textContent = `segnas · ${s.space.name} · ${s.studyId}`;
  const pct = (n: number): string => `${Math.min(100, (100 * n) / Math.max(1, s.budget))}%`;
  const bar = el(
    "div",
    { class: "bar", title: `${s.completed} done, ${s.running} running, ${s.failed} failed of ${s.budget}` },
    el("div", { class: "done", style: `width:${pct(s.completed)}` }),
    el("div", { class: "running", style: `width:${pct(s.running)}` }),
  );
  const strat = Object.entries(s.strategy.state)
    .map(([k, v]) => `${k} ${typeof v === "number" ? fmtNum(v, 4) : String(v)}`)
    .join(" · ");
  progress.replaceChildren(
    el(
      "div",
      { class: "stats" },
      stat("done / budget", `${s.completed} / ${s.budget}`, "st-done"),
      stat("running", String(s.running), "st-running"),
      stat("failed", String(s.failed), "st-failed"),
      stat("best mIoU", s.best ? `${fmtNum(s.best.reward)} (#${s.best.trialId})` : "–", "st-best"),
      stat(
        "elapsed",
        fmtDuration(s.elapsedMs + (isReport || s.finished ? 0 : Date.now() - store.studyAt)),
        "st-elapsed",
      ),
      stat("ETA", s.finished ? "done" : s.etaMs === null ? "–" : fmtDuration(s.etaMs), "st-eta"),
      stat("trials / hour", s.trialsPerHour === null ? "–" : s.trialsPerHour.toFixed(1), "st-rate"),
    ),
    bar,
    el(
      "div",
      { class: "strategy", id: "strategy" },
      `strategy ${s.strategy.name}` +
        (strat ? ` · ${strat}` : "") +
        (s.strategy.acceptanceRate !== null
          ? ` · acceptance ${(100 * s.strategy.acceptanceRate).toFixed(0)}%`
          : "") +
        (s.finished ? ` · finished: ${s.finished}` : ""),
    ),
  );
}

function renderWorkers(): void {
  const rows = store.workers.map((w) =>
    el(
      "tr",
      { "data-worker-id": w.workerId },
      el("td", {}, w.workerId),
      el("td", {}, w.connected ? "connected" : "gone"),
      el("td", {}, w.backend ?? ""),
      el("td", {}, w.device ?? ""),
      el("td", {}, w.trialId === null ? "idle" : `#${w.trialId}`),
      el("td", {}, w.epoch === null ? "" : String(w.epoch)),
      el("td", {}, w.metric === null ? "" : fmtNum(w.metric)),
      el("td", {}, fmtTime(w.lastSeenAt)),
    ),
  );
  workersBox.replaceChildren(
    el(
      "table",
      { class: "simple" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["worker", "state", "backend", "device", "trial", "epoch", "mIoU", "last seen"].map((h) =>
            el("th", {}, h),
          ),
        ),
      ),
      el("tbody", {}, ...rows),
    ),
  );
}

let chartsDrawnFor = -1;
let lastCharts = 0;
let chartsRunning = false;
let chartsAgain = false;
/**
 * Redraws the plots, one per task: the page paints (progress, table, timeline) before the
 * plots, and input stays responsive between them. A request while a pass runs queues one more.
 */
function drawCharts(force = false): void {
  const s = store.study;
  if (!s) return;
  if (!force && chartsDrawnFor === store.trialsVersion) return;
  if (chartsRunning) {
    chartsAgain = true;
    return;
  }
  chartsRunning = true;
  chartsDrawnFor = store.trialsVersion;
  lastCharts = performance.now();
  const trials = store.all();
  const p = palette();
  const steps: Array<() => void> = [
    () => reward.update(trials, p),
    () => charts?.pareto.setOption(paretoOption(trials, paretoKey.value as CostKey, p), true),
    () => {
      defaultTopK();
      const frac = Number(topK.value) / 100;
      // The id of each parallel line, in the option's order (the lines hold tokens + reward only).
      parallelIds = topFraction(trials, frac).map((t) => t.id);
      charts?.parallel.setOption(parallelOption(trials, s.space, frac, p), true);
    },
    () => charts?.importance.setOption(importanceOption(trials, s.space, p), true),
    () => curves.update(trials, p),
  ];
  const next = (): void => {
    const step = steps.shift();
    if (step) {
      step();
      setTimeout(next, 0);
      return;
    }
    chartsRunning = false;
    // A pass counts once ECharts' plots are part of it.
    if (window.segnas && charts) {
      window.segnas.charts++;
      window.segnas.chartsAt ??= performance.now();
    }
    if (chartsAgain) {
      chartsAgain = false;
      drawCharts(true);
    }
  };
  // After the next frame: the page shows progress and table before any plot is drawn.
  requestAnimationFrame(() => setTimeout(next, 0));
}

let frame = 0;
let chartTimer: ReturnType<typeof setTimeout> | null = null;
let chartsForced = false;
/** Coalesces redraws: the DOM at most once a frame, the plots at most every 500 ms. */
function schedule(chartsToo = false, force = false): void {
  chartsForced ||= force;
  if (!frame) frame = requestAnimationFrame(render);
  if (chartsToo && !chartTimer) {
    const wait = Math.max(0, 500 - (performance.now() - lastCharts));
    chartTimer = setTimeout(() => {
      chartTimer = null;
      drawCharts(chartsForced);
      chartsForced = false;
    }, wait);
  }
}

let tableFor = -1;
function render(): void {
  frame = 0;
  renderProgress();
  renderWorkers();
  if (tableFor !== store.trialsVersion) {
    tableFor = store.trialsVersion;
    table.setTrials(store.all());
  }
  performance.mark("segnas-table");
  const s = store.study;
  if (s)
    timeline.update(
      [...store.spans.values()],
      store.workers.map((w) => w.workerId),
      isReport ? s.now : Date.now(),
      palette(),
    );
  if (window.segnas) window.segnas.renders++;
}

store.subscribe(() => schedule(true));

function markFirstPaint(): void {
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (window.segnas) window.segnas.firstPaintAt ??= performance.now();
      loadEcharts();
    }, 0),
  );
}

function openFromHash(): void {
  const m = /^#trial\/(\d+)$/.exec(location.hash);
  const t: DashTrial | undefined = m ? store.trials.get(Number(m[1])) : undefined;
  showTrial(t ?? null, store.study, palette(), isReport, () => (location.hash = ""));
}
window.addEventListener("hashchange", openFromHash);
window.addEventListener("resize", () => {
  reward.resize();
  curves.resize();
  for (const c of Object.values(charts ?? {})) c.resize();
  schedule();
});

window.segnas = { store, table, ready: false, renders: 0, charts: 0 };

async function startLive(): Promise<void> {
  const get = async <T>(url: string): Promise<T> => {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return (await r.json()) as T;
  };
  const snap = await get<DashSnapshot & { rev: number }>("api/snapshot");
  store.load(snap);
  store.rev = snap.rev;
  const es = new EventSource(`api/events?after=${snap.rev}`);
  es.addEventListener("update", (e) => {
    store.apply(JSON.parse((e as MessageEvent<string>).data) as DashUpdate);
    status.textContent = store.study?.finished ? "search finished" : "live";
  });
  es.addEventListener("open", () => (status.textContent = "live"));
  es.addEventListener("error", () => (status.textContent = "reconnecting…"));
}

if (isReport) {
  const raw = JSON.parse(dataEl.textContent ?? "{}") as DashSnapshot;
  performance.mark("segnas-parsed");
  const snap = raw.packed ? { ...raw, trials: unpackTrials(raw.packed) } : raw;
  store.load(snap);
  performance.mark("segnas-loaded");
  status.textContent = `report of ${snap.report?.runDir ?? "a run"}, ${fmtTime(snap.report?.generatedAt)}`;
  render();
  performance.mark("segnas-rendered");
  markFirstPaint();
  drawCharts(true);
  openFromHash();
  window.segnas.ready = true;
} else {
  startLive().then(
    () => {
      render();
      markFirstPaint();
      drawCharts(true);
      openFromHash();
      if (window.segnas) window.segnas.ready = true;
    },
    (err: Error) => {
      status.textContent = `error: ${err.message}`;
    },
  );
}
// Keep elapsed/ETA ticking between updates.
if (!isReport) setInterval(() => schedule(), 5000);
