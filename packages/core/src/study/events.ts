/**
 * The events a study's state is folded from. They are plain JSON: the server journals them as
 * they happen and a resumed server replays them through the same reducer, so a resumed study
 * is the live study by construction. Every decision the strategy made is *recorded* here
 * (proposed tokens, and the strategy's snapshot after each change): replay never asks it again.
 *
 * Times (`at`, in ms since the epoch) are supplied by the caller: core has no clock.
 */

/** Optional static cost of an architecture, attached when it is proposed. */
export interface TrialCost {
  readonly params: number;
  readonly flops: number;
}

/** One evaluation point of a trial's learning curve. */
export interface CurvePoint {
  readonly epoch: number;
  readonly miou: number;
  readonly loss?: number;
}

/** Where and how a trial ran: reported by the worker with its result. */
export interface TrialRunInfo {
  readonly backend?: string;
  readonly device?: string;
  readonly host?: string;
  /** The worker's trial directory (on the worker's host). */
  readonly trialDir?: string;
  /** Where the trained model was saved (on the worker's host), if it was. */
  readonly modelPath?: string;
}

export interface StudySettings {
  /** Search-space name (`SLIM.NAS_SPACE_NAME`). */
  readonly space: string;
  /** Strategy name (`SEGNAS.STRATEGY`). */
  readonly strategy: string;
  readonly seed: number;
  /** Rewards to collect in total (`SLIM.NAS_SEARCH_STEPS`), across all workers. */
  readonly searchSteps: number;
  /** The search gives up after this many failed trials (a broken setup must not loop forever). */
  readonly maxFailures: number;
  readonly maxFlops?: number | null;
  readonly maxParams?: number | null;
}

export interface StudyCreatedEvent {
  readonly type: "study-created";
  /** Version of the event schema. */
  readonly v: 1;
  readonly studyId: string;
  readonly settings: StudySettings;
  /** The strategy's snapshot before its first ask. */
  readonly strategyState: unknown;
  readonly at: number;
}

/** Settings that may change when a study is resumed (e.g. more search steps). */
export interface StudyReconfiguredEvent {
  readonly type: "study-reconfigured";
  readonly searchSteps?: number;
  readonly maxFailures?: number;
  readonly at: number;
}

export interface TrialProposedEvent {
  readonly type: "trial-proposed";
  readonly trialId: number;
  readonly tokens: number[];
  readonly cost?: TrialCost;
  /** The strategy's snapshot after it proposed these tokens. */
  readonly strategyState: unknown;
  readonly at: number;
}

export interface TrialLeasedEvent {
  readonly type: "trial-leased";
  readonly trialId: number;
  readonly worker: string;
  /** 1 for the first hand-out, 2 after one requeue, ... */
  readonly attempt: number;
  readonly at: number;
}

/** Progress after an evaluated epoch (periodic keep-alives are not events). */
export interface TrialProgressEvent {
  readonly type: "trial-progress";
  readonly trialId: number;
  readonly worker: string;
  readonly point: CurvePoint;
  readonly at: number;
}

export interface TrialCompletedEvent {
  readonly type: "trial-completed";
  readonly trialId: number;
  readonly worker: string;
  readonly reward: number;
  readonly metrics?: Record<string, unknown>;
  readonly curve?: CurvePoint[];
  readonly run?: TrialRunInfo;
  /** When the worker started the attempt that produced this result (worker clock), if known. */
  readonly startedAt?: number;
  readonly durationMs?: number;
  /** The strategy's snapshot after it was told this reward. */
  readonly strategyState: unknown;
  readonly at: number;
}

export interface TrialFailedEvent {
  readonly type: "trial-failed";
  readonly trialId: number;
  readonly worker: string;
  readonly reason: string;
  readonly code?: string;
  readonly run?: TrialRunInfo;
  readonly durationMs?: number;
  readonly strategyState: unknown;
  readonly at: number;
}

/**
 * "worker-failed": the worker, not the architecture, was at fault (dataset unreadable, backend
 * lost, disk full): the trial is handed out again and does not count as a failure.
 */
export type RequeueReason = "lease-expired" | "released" | "worker-failed" | "retry-failed";

export interface TrialRequeuedEvent {
  readonly type: "trial-requeued";
  readonly trialId: number;
  readonly reason: RequeueReason;
  readonly worker?: string;
  /** What went wrong on the worker ("worker-failed"), and its error code. */
  readonly detail?: string;
  readonly code?: string;
  readonly at: number;
}

/** A result known from elsewhere (e.g. a PaddleSlim checkpoint): seen and told, not counted as a step. */
export interface TrialImportedEvent {
  readonly type: "trial-imported";
  readonly trialId: number;
  readonly tokens: number[];
  readonly reward: number;
  readonly source: string;
  readonly strategyState: unknown;
  readonly at: number;
}

/** The search stopped for a reason other than reaching its step count. */
export interface SearchEndedEvent {
  readonly type: "search-ended";
  readonly reason: string;
  readonly at: number;
}

export type StudyEvent =
  | StudyCreatedEvent
  | StudyReconfiguredEvent
  | TrialProposedEvent
  | TrialLeasedEvent
  | TrialProgressEvent
  | TrialCompletedEvent
  | TrialFailedEvent
  | TrialRequeuedEvent
  | TrialImportedEvent
  | SearchEndedEvent;

export type StudyEventType = StudyEvent["type"];
