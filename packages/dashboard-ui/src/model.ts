/**
 * The JSON the dashboard's endpoints serve and the static report inlines: one contract shared by
 * the server (which builds it from the study state) and the page (which only reads it). Kept
 * flat and small: a report of 2,000 trials must stay well under 2 MB.
 */

export type DashTrialStatus = "queued" | "leased" | "completed" | "failed" | string;

export interface DashTrial {
  readonly id: number;
  readonly status: DashTrialStatus;
  readonly reward: number | null;
  readonly tokens: readonly number[];
  /** The space's one-line description of the decoded network, e.g. "(1,16,1,1,3) (6,24,2,2,3)". */
  readonly blocks: string | null;
  readonly params: number | null;
  readonly flops: number | null;
  /** Measured inference latency in ms, when a worker reported one (metrics.latencyMs). */
  readonly latencyMs: number | null;
  readonly worker: string | null;
  readonly backend: string | null;
  readonly device: string | null;
  readonly host: string | null;
  readonly attempts: number;
  /** ms since the epoch; null while queued. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly durationMs: number | null;
  /** [epoch, mIoU] pairs: live for running trials (heartbeats), final for finished ones. */
  readonly curve: ReadonlyArray<readonly [number, number]>;
  readonly failure: string | null;
  /** Where the trained model is (host:path when on another host). */
  readonly model: string | null;
  readonly trialDir: string | null;
  readonly imported: string | null;
  /** Bumped on every change of this trial: the client keeps the newest. */
  readonly rev: number;
}

export interface DashSpace {
  readonly name: string;
  readonly tokenNames: readonly string[];
  readonly rangeTable: readonly number[];
}

export interface DashStrategy {
  readonly name: string;
  /** Scalars from the strategy's state worth showing (iterations, temperature, phase, ...). */
  readonly state: Readonly<Record<string, string | number | boolean | null>>;
  /** Fraction of rewards after which the strategy moved to the told point, when it can be told. */
  readonly acceptanceRate: number | null;
}

export interface DashStudy {
  readonly studyId: string;
  readonly space: DashSpace;
  readonly strategy: DashStrategy;
  readonly budget: number;
  readonly completed: number;
  readonly failed: number;
  readonly running: number;
  readonly queued: number;
  readonly imported: number;
  readonly best: { readonly trialId: number; readonly reward: number } | null;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly now: number;
  readonly elapsedMs: number;
  /** Estimated ms until the budget is spent, from the recent completion rate; null when unknown. */
  readonly etaMs: number | null;
  readonly trialsPerHour: number | null;
  /** Why the search ended, once it did. */
  readonly finished: string | null;
  /** Epochs each trial trains for. */
  readonly epochs: number;
}

export interface DashWorker {
  readonly workerId: string;
  readonly connected: boolean;
  readonly backend: string | null;
  readonly device: string | null;
  readonly host: string | null;
  readonly trialId: number | null;
  readonly epoch: number | null;
  readonly metric: number | null;
  readonly connectedAt: number;
  readonly lastSeenAt: number;
}

/** A lease handed out, for the timeline: one span per attempt, including lost ones. */
export interface DashSpan {
  readonly trialId: number;
  readonly worker: string;
  readonly start: number;
  /** null while running. */
  readonly end: number | null;
  readonly outcome: "running" | "completed" | "failed" | "requeued";
  readonly attempt: number;
}

/** Everything the page shows: what /api/* serve together, and what a report inlines. */
export interface DashSnapshot {
  readonly study: DashStudy;
  readonly trials: readonly DashTrial[];
  readonly workers: readonly DashWorker[];
  readonly spans: readonly DashSpan[];
  /** The report's compact form of `trials` (see pack.ts); the page unpacks it. */
  readonly packed?: { readonly keys: readonly string[]; readonly rows: ReadonlyArray<readonly unknown[]> };
  /** Set in a static report: when and from which run directory it was made. */
  readonly report?: { readonly generatedAt: number; readonly runDir: string };
}

/** An SSE message's data: `id:` is the cursor (a revision number). */
export interface DashUpdate {
  readonly rev: number;
  readonly study: DashStudy;
  /** Trials changed since the cursor the client sent (all of them on a first connect). */
  readonly trials: readonly DashTrial[];
  readonly workers: readonly DashWorker[];
  /** Spans changed since the cursor. */
  readonly spans: readonly DashSpan[];
}
