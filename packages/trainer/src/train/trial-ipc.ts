/**
 * The typed messages between a trial's parent (runTrial) and its child process (child-entry).
 * Plain JSON over Node's IPC channel; `isChildMessage` guards what the parent accepts, so a
 * confused child can never crash the parent.
 */
import type { ErrorCode } from "@segnas/core";
import type { SegConfig } from "@segnas/config";
import type { CompletedOutcome, EpochEvent, StepProgress, StoppedOutcome } from "./trial-types";

/** Everything a child needs to run one trial (serialisable). */
export interface TrialRequest {
  /** 25 tokens of MobileNetV2SpaceSeg. */
  readonly tokens: number[];
  /** A loaded config (wins over configFile/overrides). */
  readonly config?: SegConfig;
  readonly configFile?: string;
  readonly overrides?: string[];
  /** Where the model, arch.json and metrics.json go; null: keep nothing. */
  readonly trialDir: string | null;
  /** Backend preference ("auto", "wasm", "cpu", ...); default: SEGNAS.BACKEND. */
  readonly backend?: string;
  readonly logSteps?: number;
  readonly useMpio?: boolean;
  /** pino level for the child's log records (forwarded to the parent). */
  readonly logLevel?: string;
}

export type ParentMessage =
  | { readonly type: "start"; readonly request: TrialRequest }
  | { readonly type: "stop"; readonly reason: string };

export type ChildMessage =
  | {
      readonly type: "started";
      readonly backend: string;
      readonly params: number;
      readonly flops: number | null;
      readonly pid: number;
    }
  | { readonly type: "progress"; readonly progress: StepProgress }
  | { readonly type: "epoch"; readonly event: EpochEvent }
  | { readonly type: "log"; readonly record: Record<string, unknown> }
  | { readonly type: "done"; readonly outcome: CompletedOutcome | StoppedOutcome }
  | { readonly type: "failed"; readonly reason: string; readonly code: ErrorCode };

const CHILD_TYPES = new Set(["started", "progress", "epoch", "log", "done", "failed"]);

export function isChildMessage(m: unknown): m is ChildMessage {
  return typeof m === "object" && m !== null && CHILD_TYPES.has((m as { type?: unknown }).type as string);
}

export function isParentMessage(m: unknown): m is ParentMessage {
  const t = typeof m === "object" && m !== null ? (m as { type?: unknown }).type : undefined;
  return t === "start" || t === "stop";
}
