/**
 * The live status block of `segnas server / worker / train / demo` on a terminal: a few lines
 * (trials done / budget with a bar, best so far, elapsed and ETA, one line per worker with its
 * trial, epoch and ETA) kept at the bottom of the screen while log lines scroll above it.
 *
 * Only when stdout is a TTY and the output is not --json (SEGNAS_NO_STATUS=1 turns it off):
 * CI, pipes and files get the plain log lines. Every log line goes through `out`, which erases
 * the block, writes the line and draws the block again; a 4 Hz timer redraws it when the state
 * changed. `stop()` (and process exit) erases it, so the terminal is left as plain log lines.
 *
 * renderStatus is a pure function of the state (unit-tested); the rest is terminal plumbing.
 */
import type { StatusSnapshot } from "@segnas/protocol";

export interface LiveWorker {
  readonly name: string;
  readonly trialId: number | null;
  /** Epochs finished of the current trial. */
  readonly epoch: number | null;
  readonly epochs: number | null;
  readonly etaMs: number | null;
  readonly metric?: number;
  readonly backend?: string;
}

export interface LiveState {
  readonly title: string;
  /** Trials with a reward, and the budget (null when unknown, e.g. a bare worker). */
  readonly completed: number;
  readonly budget: number | null;
  readonly running: number;
  readonly failed: number;
  readonly best: { trialId: number; reward: number } | null;
  readonly elapsedMs: number;
  readonly etaMs: number | null;
  readonly workers: readonly LiveWorker[];
  /** A line for the state when there is no progress to show (e.g. "connecting to ..."). */
  readonly note?: string;
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function bar(done: number, total: number, width: number): string {
  const n = total > 0 ? Math.max(0, Math.min(width, Math.round((done / total) * width))) : 0;
  return `[${"#".repeat(n)}${".".repeat(width - n)}]`;
}

function clip(line: string, columns: number): string {
  // One column less than the terminal: a line that fills it exactly wraps on some terminals.
  const max = Math.max(10, columns - 1);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The block's lines for a terminal `columns` wide (pure). */
export function renderStatus(state: LiveState, columns = 80): string[] {
  const lines: string[] = [];
  lines.push(`── ${state.title} ${"─".repeat(Math.max(0, Math.min(columns, 100) - state.title.length - 5))}`);
  const budget = state.budget;
  const progress =
    budget !== null
      ? `trials ${bar(state.completed, budget, 20)} ${state.completed}/${budget}`
      : `trials ${state.completed} done`;
  const parts = [
    progress,
    `running ${state.running}`,
    `failed ${state.failed}`,
    state.best ? `best ${state.best.reward.toFixed(4)} (trial ${state.best.trialId})` : "best -",
    `elapsed ${formatDuration(state.elapsedMs)}`,
    `ETA ${state.etaMs === null ? "-" : formatDuration(state.etaMs)}`,
  ];
  lines.push(` ${parts.join("  ")}`);
  if (state.note) lines.push(` ${state.note}`);
  const nameWidth = Math.min(24, Math.max(6, ...state.workers.map((w) => w.name.length)));
  for (const w of state.workers) {
    const name = w.name.padEnd(nameWidth);
    if (w.trialId === null) {
      lines.push(` ${name}  idle`);
      continue;
    }
    const epoch = w.epoch ?? 0;
    const ep =
      w.epochs !== null ? `epoch ${epoch}/${w.epochs} ${bar(epoch, w.epochs, 10)}` : `epoch ${epoch}`;
    const bits = [
      `trial ${String(w.trialId).padEnd(4)}`,
      ep,
      `ETA ${w.etaMs === null ? "-" : formatDuration(w.etaMs)}`,
      ...(w.metric !== undefined ? [`mIoU ${w.metric.toFixed(4)}`] : []),
      ...(w.backend ? [w.backend] : []),
    ];
    lines.push(` ${name}  ${bits.join("  ")}`);
  }
  return lines.map((l) => clip(l, columns));
}

/**
 * When each worker started its current trial, as seen from here (the snapshot carries epochs,
 * not times): enough for an ETA of the trial from its pace so far.
 */
export class TrialClock {
  private readonly seen = new Map<string, { trialId: number; at: number }>();

  /** ETA of the worker's trial, or null before its first epoch. */
  eta(
    worker: string,
    trialId: number | null,
    epoch: number | null,
    epochs: number | null,
    now: number,
  ): number | null {
    if (trialId === null) {
      this.seen.delete(worker);
      return null;
    }
    let s = this.seen.get(worker);
    if (!s || s.trialId !== trialId) {
      s = { trialId, at: now };
      this.seen.set(worker, s);
    }
    if (epochs === null || !epoch || epoch < 1) return null;
    return ((now - s.at) / epoch) * Math.max(0, epochs - epoch);
  }
}

/** The search's ETA from this session's pace (trials completed since the block started). */
export class SearchPace {
  private first: { at: number; completed: number } | null = null;

  eta(completed: number, budget: number | null, now: number): number | null {
    if (!this.first) this.first = { at: now, completed };
    const done = completed - this.first.completed;
    if (budget === null || done <= 0) return null;
    return ((now - this.first.at) / done) * Math.max(0, budget - completed);
  }
}

/** A controller's status snapshot as block state. */
export function stateFromSnapshot(
  snap: StatusSnapshot,
  opts: { title: string; epochs: number | null; clock: TrialClock; pace: SearchPace; since: number },
): LiveState {
  const now = snap.now;
  return {
    title: opts.title,
    completed: snap.completed,
    budget: snap.study.searchSteps,
    running: snap.running,
    failed: snap.failed,
    best: snap.best ? { trialId: snap.best.trialId, reward: snap.best.reward } : null,
    elapsedMs: now - opts.since,
    etaMs: snap.done ? 0 : opts.pace.eta(snap.completed, snap.study.searchSteps, now),
    workers: snap.workers.map((w) => ({
      name: w.workerId,
      trialId: w.trialId,
      epoch: w.epoch,
      epochs: opts.epochs,
      etaMs: opts.clock.eta(w.workerId, w.trialId, w.epoch, opts.epochs, now),
      ...(w.metric !== undefined ? { metric: w.metric } : {}),
      ...(w.capabilities.backend ? { backend: w.capabilities.backend } : {}),
    })),
    ...(snap.done
      ? { note: "search finished" }
      : snap.workers.length === 0
        ? { note: "no worker connected yet" }
        : {}),
  };
}

/** What a bare worker knows about itself (updated by observeTrials in runner wrappers). */
export class LocalWorkerState {
  trialId: number | null = null;
  epoch: number | null = null;
  epochs: number | null = null;
  metric: number | undefined;
  backend: string | undefined;
  completed = 0;
  failed = 0;
  best: { trialId: number; reward: number } | null = null;
  private trialStart = 0;
  /** The trainer's own ETA of the trial (from its step log records), when it has logged one. */
  private stepEta: { ms: number; at: number } | null = null;

  /** A log record of this worker's trial: step records carry the trainer's ETA. */
  noteRecord(r: Record<string, unknown>, now: number): void {
    if (this.trialId !== null && typeof r.etaSeconds === "number" && Number.isFinite(r.etaSeconds))
      this.stepEta = { ms: r.etaSeconds * 1000, at: now };
  }

  started(trialId: number, epochs: number, now: number): void {
    this.trialId = trialId;
    this.epoch = 0;
    this.epochs = epochs;
    this.metric = undefined;
    this.trialStart = now;
    this.stepEta = null;
  }

  finished(status: string, reward: number | undefined): void {
    if (status === "completed") {
      this.completed++;
      const id = this.trialId ?? 0;
      if (reward !== undefined && (this.best === null || reward > this.best.reward))
        this.best = { trialId: id, reward };
    } else if (status === "failed") this.failed++;
    this.trialId = null;
    this.epoch = null;
  }

  state(title: string, name: string, since: number, now: number): LiveState {
    const eta =
      this.trialId === null
        ? null
        : this.stepEta
          ? Math.max(0, this.stepEta.ms - (now - this.stepEta.at))
          : this.epochs !== null && this.epoch
            ? ((now - this.trialStart) / this.epoch) * Math.max(0, this.epochs - this.epoch)
            : null;
    return {
      title,
      completed: this.completed,
      budget: null,
      running: this.trialId === null ? 0 : 1,
      failed: this.failed,
      best: this.best,
      elapsedMs: now - since,
      etaMs: null,
      workers: [
        {
          name,
          trialId: this.trialId,
          epoch: this.epoch,
          epochs: this.epochs,
          etaMs: eta,
          ...(this.metric !== undefined ? { metric: this.metric } : {}),
          ...(this.backend ? { backend: this.backend } : {}),
        },
      ],
    };
  }
}

export interface StatusBlockOptions {
  /** Where the block is drawn (a TTY). */
  readonly stream: NodeJS.WriteStream;
  /** Where log lines go (default process.stderr). */
  readonly logStream?: NodeJS.WritableStream;
  readonly intervalMs?: number;
}

/** The terminal side: draws the block under the log lines and keeps it there. */
export class StatusBlock {
  private drawn = 0;
  private lastLines: string[] = [];
  private source: (() => LiveState) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onExit = (): void => this.erase();
  /** A log line (with its newline): written above the block. Pass as nasLogger's `out`. */
  readonly out = (text: string): void => {
    this.erase();
    (this.opts.logStream ?? process.stderr).write(text);
    this.draw(true);
  };

  constructor(private readonly opts: StatusBlockOptions) {}

  /** Starts drawing `source()` (4 Hz by default). */
  start(source: () => LiveState): void {
    this.source = source;
    if (this.timer) return;
    process.on("exit", this.onExit);
    this.timer = setInterval(() => this.draw(false), this.opts.intervalMs ?? 250);
    this.timer.unref();
    this.draw(true);
  }

  /** Erases the block for good (call before printing results). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.erase();
    this.source = null;
    process.off("exit", this.onExit);
  }

  private draw(force: boolean): void {
    if (!this.source) return;
    let lines: string[];
    try {
      lines = renderStatus(this.source(), this.opts.stream.columns || 80);
    } catch {
      return; // a status that cannot be read right now is skipped, never fatal
    }
    if (!force && this.drawn > 0 && lines.join("\n") === this.lastLines.join("\n")) return;
    this.erase();
    this.opts.stream.write(`${lines.join("\n")}\n`);
    this.drawn = lines.length;
    this.lastLines = lines;
  }

  private erase(): void {
    if (this.drawn === 0) return;
    // Up to the block's first line, column 0, then clear to the end of the screen.
    this.opts.stream.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }
}

/** A status block when stdout is a terminal and the output is for humans; else null. */
export function liveStatusFor(
  opts: { json?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): StatusBlock | null {
  const stdout = process.stdout;
  if (opts.json || env.SEGNAS_LOG_FORMAT === "json") return null;
  if (!stdout.isTTY || env.TERM === "dumb" || env.SEGNAS_NO_STATUS === "1") return null;
  return new StatusBlock({ stream: stdout });
}
