/**
 * The trials table, virtualised: only the rows in view (plus a few) exist in the DOM, so 10,000
 * trials scroll, sort and filter as fast as 100. Sort: click a header (again: reverse). Filter:
 * one box per column (see makeFilter). Columns can be hidden. Each row has data-trial-id.
 */
import type { DashTrial } from "../model";
import { COLUMNS, makeFilter, type Column } from "./columns";
import { el } from "./format";

const ROW = 24;
const OVERSCAN = 8;

export class TrialsTable {
  readonly root: HTMLElement;
  private readonly head: HTMLElement;
  private readonly filters: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly countEl: HTMLElement;
  private readonly hidden = new Set<string>(COLUMNS.filter((c) => c.hidden).map((c) => c.key));
  private readonly queries = new Map<string, string>();
  private sortKey = "id";
  private sortDir: 1 | -1 = 1;
  private source: readonly DashTrial[] = [];
  private view: DashTrial[] = [];
  /** Trial ids picked elsewhere (parallel-coordinates brush); null = no restriction. */
  private only: Set<number> | null = null;
  private rows: HTMLElement[] = [];
  private rendered = "";

  constructor(private readonly onOpen: (id: number) => void) {
    this.head = el("div", { class: "thead" });
    this.filters = el("div", { class: "tfilters" });
    this.spacer = el("div", { class: "tspacer" });
    this.body = el("div", { class: "tbody", "data-testid": "trials-body" }, this.spacer);
    this.countEl = el("span", { class: "tcount" });
    const columnsMenu = el("details", { class: "colmenu" }, el("summary", {}, "columns"));
    for (const c of COLUMNS) {
      const box = el("input", { type: "checkbox", "data-col": c.key });
      box.checked = !this.hidden.has(c.key);
      box.addEventListener("change", () => {
        if (box.checked) this.hidden.delete(c.key);
        else this.hidden.add(c.key);
        this.layout();
      });
      columnsMenu.append(el("label", {}, box, " " + c.label));
    }
    this.root = el(
      "div",
      { class: "table", id: "trials-table" },
      el("div", { class: "ttools" }, this.countEl, columnsMenu),
      el("div", { class: "tscroll" }, this.head, this.filters, this.body),
    );
    this.body.addEventListener("scroll", () => this.paint(false));
    this.body.addEventListener("click", (e) => {
      const row = (e.target as HTMLElement).closest("[data-trial-id]");
      if (row) this.onOpen(Number(row.getAttribute("data-trial-id")));
    });
    this.layout();
  }

  /** New data (same sort and filters). */
  setTrials(trials: readonly DashTrial[]): void {
    this.source = trials;
    this.refresh();
  }

  restrictTo(ids: Set<number> | null): void {
    this.only = ids;
    this.refresh();
  }

  /** Sorts by a column (for the benchmark and the header clicks); returns the rows in order. */
  sortBy(key: string, dir?: 1 | -1): void {
    if (dir !== undefined) this.sortDir = dir;
    else this.sortDir = this.sortKey === key ? (-this.sortDir as 1 | -1) : 1;
    this.sortKey = key;
    this.layout();
  }

  setFilter(key: string, query: string): void {
    this.queries.set(key, query);
    const input = this.filters.querySelector<HTMLInputElement>(`input[data-col="${key}"]`);
    if (input && input.value !== query) input.value = query;
    this.refresh();
  }

  /** The trials as shown (filtered and sorted). */
  shown(): readonly DashTrial[] {
    return this.view;
  }

  visibleColumns(): Column[] {
    return COLUMNS.filter((c) => !this.hidden.has(c.key));
  }

  private layout(): void {
    const cols = this.visibleColumns();
    const width = cols.reduce((a, c) => a + c.width, 0);
    this.head.replaceChildren(
      ...cols.map((c) => {
        const arrow = c.key === this.sortKey ? (this.sortDir === 1 ? " ▲" : " ▼") : "";
        const h = el("div", { class: "th", "data-col": c.key, style: `width:${c.width}px` }, c.label + arrow);
        h.addEventListener("click", () => this.sortBy(c.key));
        return h;
      }),
    );
    this.filters.replaceChildren(
      ...cols.map((c) => {
        const input = el("input", {
          class: "tf",
          "data-col": c.key,
          placeholder: c.numeric ? ">x, a..b" : "filter",
          style: `width:${c.width}px`,
        });
        input.value = this.queries.get(c.key) ?? "";
        input.addEventListener("input", () => {
          this.queries.set(c.key, input.value);
          this.refresh();
        });
        return input;
      }),
    );
    for (const part of [this.head, this.filters, this.spacer]) part.style.width = `${width}px`;
    this.rows.forEach((r) => r.remove());
    this.rows = [];
    this.refresh();
  }

  private refresh(): void {
    const preds: Array<(t: DashTrial) => boolean> = [];
    for (const c of COLUMNS) {
      const f = makeFilter(c, this.queries.get(c.key) ?? "");
      if (f) preds.push(f);
    }
    const only = this.only;
    let view = this.source.filter((t) => (!only || only.has(t.id)) && preds.every((p) => p(t)));
    const col = COLUMNS.find((c) => c.key === this.sortKey) ?? (COLUMNS[0] as Column);
    const dir = this.sortDir;
    // Decorate-sort-undecorate: each key computed once, not per comparison.
    const keyed = view.map((t) => ({ t, k: col.value(t) }));
    keyed.sort((a, b) => {
      const x = a.k;
      const y = b.k;
      if (x === y) return a.t.id - b.t.id;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
    view = keyed.map((k) => k.t);
    this.view = view;
    this.spacer.style.height = `${view.length * ROW}px`;
    // Up to 20 rows tall: a short table does not leave a block of empty space.
    this.body.style.height = `${Math.min(20, Math.max(3, view.length)) * ROW + 2}px`;
    this.countEl.textContent = `${view.length} of ${this.source.length} trials`;
    this.paint(true);
  }

  private paint(force: boolean): void {
    const top = this.body.scrollTop;
    const height = this.body.clientHeight || 480;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.view.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    const key = `${first}:${last}`;
    if (!force && key === this.rendered) return;
    this.rendered = key;
    const cols = this.visibleColumns();
    const need = last - first;
    while (this.rows.length < need) {
      const r = el("div", { class: "tr" });
      this.spacer.append(r);
      this.rows.push(r);
    }
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i] as HTMLElement;
      const t = this.view[first + i];
      if (i >= need || !t) {
        r.style.display = "none";
        r.removeAttribute("data-trial-id");
        continue;
      }
      r.style.display = "";
      r.style.transform = `translateY(${(first + i) * ROW}px)`;
      r.setAttribute("data-trial-id", String(t.id));
      r.className = `tr st-${t.status}`;
      const cells = r.children;
      if (cells.length !== cols.length) {
        r.replaceChildren(...cols.map((c) => el("div", { class: "td", style: `width:${c.width}px` })));
      }
      cols.forEach((c, j) => {
        const cell = r.children[j] as HTMLElement;
        const text = c.text(t);
        if (cell.textContent !== text) cell.textContent = text;
        if (c.key === "tokens" || c.key === "blocks" || c.key === "failure") cell.title = text;
      });
    }
  }
}

/** The table (as shown) as CSV, columns as shown. */
export function toCsv(trials: readonly DashTrial[], cols: readonly Column[]): string {
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [cols.map((c) => cell(c.key)).join(",")];
  for (const t of trials) lines.push(cols.map((c) => cell(c.value(t))).join(","));
  return lines.join("\n") + "\n";
}
