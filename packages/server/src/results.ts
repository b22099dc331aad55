/**
 * The human-facing results in the run directory, regenerated from the study state (the journal
 * stays the source of truth, so these files can always be rebuilt):
 *   trials.jsonl  one JSON object per trial (tokens, blocks, cost, reward, curve, worker, ...)
 *   trials.csv    the same, flat, for spreadsheets
 *   best.json     the best trial and where its model is
 *   best-model/   a copy of the best trial's saved model, when its worker ran on this host
 * Writes are debounced and atomic (temp file + rename).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SearchSpace, StudyState, Tokens, TrialCost, TrialRecord } from "@segnas/core";
import type { Logger } from "pino";

export interface RunResultsOptions {
  readonly runDir: string;
  readonly space: SearchSpace;
  readonly logger: Logger;
  /** Minimum time between two rewrites of the tables (default 1000 ms). */
  readonly debounceMs?: number;
  /** This host's name (default os.hostname()): decides whether a model can be copied. */
  readonly hostname?: string;
  /**
   * Static cost (params, FLOPs) of tokens. Derived data, so it is computed here (and cached)
   * rather than journaled or computed on the request path.
   */
  readonly cost?: (tokens: Tokens) => TrialCost | undefined;
}

export const CSV_COLUMNS = [
  "trial",
  "status",
  "reward",
  "tokens",
  "blocks",
  "params",
  "flops",
  "curve",
  "worker",
  "backend",
  "device",
  "host",
  "attempts",
  "started",
  "duration_s",
  "model",
  "failure",
  "imported",
] as const;

/** The tokens in the space's block notation; null where they no longer decode (a changed space). */
export function formatBlocks(space: SearchSpace, tokens: Tokens): string | null {
  try {
    return space.format(tokens);
  } catch {
    return null;
  }
}

/** A failed trial's reason on one line, after its error code where it has one. */
export function failureText(failure: NonNullable<TrialRecord["failure"]>): string {
  return `${failure.code ?? ""} ${failure.reason}`.trim();
}

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

export function trialRow(
  space: SearchSpace,
  t: TrialRecord,
  cost: TrialCost | undefined = t.cost,
): Record<string, unknown> {
  let blocks: unknown = null;
  try {
    const arch = space.decode(t.tokens) as { blocks?: unknown };
    blocks = arch.blocks ?? null;
  } catch {
    blocks = null;
  }
  return {
    trial: t.id,
    status: t.status,
    reward: t.reward ?? null,
    tokens: t.tokens,
    blocks,
    params: cost?.params ?? null,
    flops: cost?.flops ?? null,
    curve: t.curve,
    metrics: t.metrics ?? null,
    worker: t.worker ?? null,
    backend: t.run?.backend ?? null,
    device: t.run?.device ?? null,
    host: t.run?.host ?? null,
    attempts: t.attempts,
    started: iso(t.startedAt ?? t.leasedAt),
    durationMs: t.durationMs ?? null,
    trialDir: t.run?.trialDir ?? null,
    model: t.run?.modelPath ?? null,
    failure: t.failure ?? null,
    imported: t.imported ?? null,
  };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function trialCsvLine(
  space: SearchSpace,
  t: TrialRecord,
  cost: TrialCost | undefined = t.cost,
): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    trial: t.id,
    status: t.status,
    reward: t.reward,
    tokens: t.tokens.join(" "),
    blocks: formatBlocks(space, t.tokens) ?? "",
    params: cost?.params,
    flops: cost?.flops,
    curve: t.curve.map((p) => `${p.epoch}:${p.miou}`).join(" "),
    worker: t.worker,
    backend: t.run?.backend,
    device: t.run?.device,
    host: t.run?.host,
    attempts: t.attempts,
    started: iso(t.startedAt ?? t.leasedAt),
    duration_s: t.durationMs === undefined ? undefined : (t.durationMs / 1000).toFixed(1),
    model: t.run?.modelPath ? `${t.run.host ?? ""}:${t.run.modelPath}` : undefined,
    failure: t.failure ? failureText(t.failure) : undefined,
    imported: t.imported,
  };
  return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(",");
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, text);
  } catch (e) {
    // A half-written temp file on a full disk would keep the space the journal needs.
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.renameSync(tmp, file);
}

export class RunResults {
  private timer: NodeJS.Timeout | null = null;
  private lastWrite = -Infinity;
  private latest: StudyState | null = null;
  private bestCopied: number | null = null;
  private copying: Promise<void> = Promise.resolve();
  private readonly host: string;
  private readonly costs = new Map<number, TrialCost | null>();

  constructor(private readonly opts: RunResultsOptions) {
    this.host = opts.hostname ?? os.hostname();
  }

  /** The trial's static cost: recorded with it, or computed from its tokens (cached). */
  costOf(t: TrialRecord): TrialCost | undefined {
    if (t.cost) return t.cost;
    let c = this.costs.get(t.id);
    if (c === undefined) {
      try {
        c = this.opts.cost?.(t.tokens) ?? null;
      } catch {
        c = null;
      }
      this.costs.set(t.id, c);
    }
    return c ?? undefined;
  }

  get runDir(): string {
    return this.opts.runDir;
  }

  /** Schedules a rewrite of the tables from `state`. */
  update(state: StudyState): void {
    this.latest = state;
    if (this.timer) return;
    const wait = Math.max(0, (this.opts.debounceMs ?? 1000) - (performance.now() - this.lastWrite));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writeTables();
    }, wait);
    this.timer.unref?.();
  }

  /** After a trial finished: refresh the tables, and the best model if it is the new best. */
  onTrialFinished(state: StudyState, trial: TrialRecord): void {
    this.update(state);
    if (state.best?.trialId === trial.id && this.bestCopied !== trial.id) {
      this.bestCopied = trial.id;
      this.copying = this.copying
        .then(() => this.saveBest(state, trial))
        .catch((err: Error) => {
          this.opts.logger.warn({ err }, `could not copy the best model: ${err.message}`);
        });
    }
  }

  /** Writes everything now; returns where the best model is (or null). */
  async flush(state: StudyState): Promise<string | null> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.latest = state;
    this.writeTables();
    const best = state.best ? state.trials[state.best.trialId - 1] : undefined;
    if (best && this.bestCopied !== best.id) this.onTrialFinished(state, best);
    await this.copying;
    return this.bestLocation(state);
  }

  /** Where the best model is: the copy in the run directory, or host:path on the worker. */
  bestLocation(state: StudyState): string | null {
    const best = state.best ? state.trials[state.best.trialId - 1] : undefined;
    if (!best) return null;
    const copy = path.join(this.opts.runDir, "best-model");
    if (this.bestCopied === best.id && fs.existsSync(copy)) return copy;
    if (best.run?.modelPath)
      return best.run.host && best.run.host !== this.host
        ? `${best.run.host}:${best.run.modelPath}`
        : best.run.modelPath;
    return null;
  }

  private writeTables(): void {
    const state = this.latest;
    if (!state) return;
    this.lastWrite = performance.now();
    try {
      fs.mkdirSync(this.opts.runDir, { recursive: true });
      const { space } = this.opts;
      const jsonl = state.trials.map((t) => JSON.stringify(trialRow(space, t, this.costOf(t)))).join("\n");
      writeAtomic(path.join(this.opts.runDir, "trials.jsonl"), jsonl ? `${jsonl}\n` : "");
      const csv = [
        CSV_COLUMNS.join(","),
        ...state.trials.map((t) => trialCsvLine(space, t, this.costOf(t))),
      ].join("\n");
      writeAtomic(path.join(this.opts.runDir, "trials.csv"), `${csv}\n`);
    } catch (err) {
      this.opts.logger.warn({ err }, `could not write the trial tables in ${this.opts.runDir}`);
    }
  }

  private async saveBest(state: StudyState, t: TrialRecord): Promise<void> {
    const dir = this.opts.runDir;
    const src = t.run?.modelPath;
    const local =
      src !== undefined && (t.run?.host === undefined || t.run.host === this.host) && fs.existsSync(src);
    let copiedTo: string | null = null;
    if (local && src) {
      const dest = path.join(dir, "best-model");
      const tmp = `${dest}.tmp-${process.pid}`;
      await fs.promises.rm(tmp, { recursive: true, force: true });
      await fs.promises.cp(src, tmp, { recursive: true });
      await fs.promises.rm(dest, { recursive: true, force: true });
      await fs.promises.rename(tmp, dest);
      copiedTo = dest;
    }
    const info = {
      ...trialRow(this.opts.space, t, this.costOf(t)),
      // Where the model is: copied here when the worker shared this host, else on the worker.
      modelCopy: copiedTo,
      modelLocation: copiedTo ?? (src ? `${t.run?.host ?? "?"}:${src}` : null),
    };
    writeAtomic(path.join(dir, "best.json"), `${JSON.stringify(info, null, 2)}\n`);
    if (state.best?.trialId !== t.id) return;
    this.opts.logger.debug({ trialId: t.id, model: info.modelLocation }, "best model recorded");
  }
}
