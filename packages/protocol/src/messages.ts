/**
 * Every message of the segnas wire protocol: one discriminated union on `type`. Each message may
 * carry `id` (set by the sender of a request) and `re` (set on the reply to that request), so a
 * client can pipeline requests and match replies; see docs/protocol.md.
 */

/** Plain JSON data: what crosses the wire in free-form fields (arch, error data). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Correlation fields any message may carry (unsigned 32-bit integers). */
export interface Envelope {
  /** Set by the sender of a request; the reply echoes it in `re`. */
  id?: number;
  /** On a reply: the `id` of the request it answers. */
  re?: number;
}

/** What a worker can do; shown in status and logged by the server. */
export interface Capabilities {
  /** tfjs backend the worker trains on, e.g. "wasm", "cpu", "tensorflow". */
  backend: string;
  /** Device / GPU description in words, e.g. "NVIDIA H200 (0)" or "cpu x16". */
  device: string;
  hostname: string;
  pid: number;
  segnasVersion: string;
}

/** client -> server, first message. Sent again with `authProof` after a `challenge`. */
export interface HelloMessage extends Envelope {
  type: "hello";
  protocolVersion: number;
  /** Client-chosen stable id (e.g. "host:pid:gpu"); the same worker reconnecting reuses it. */
  workerId: string;
  capabilities: Capabilities;
  /** Hex HMAC-SHA256(secret, nonce || workerId), only in answer to a challenge. */
  authProof?: string;
}

/** server -> client: answer to a hello without a valid proof when the server has a secret. */
export interface ChallengeMessage extends Envelope {
  type: "challenge";
  /** Random hex nonce, fresh per connection. */
  nonce: string;
}

/** What the study is, as told to a worker at welcome. */
export interface StudySummary {
  studyId: string;
  /** Search space name, e.g. "MobileNetV2SpaceSeg". */
  space: string;
  /** Strategy name, e.g. "sa". */
  strategy: string;
  /** Architectures to evaluate in total. */
  searchSteps: number;
}

/** server -> client: the handshake succeeded. */
export interface WelcomeMessage extends Envelope {
  type: "welcome";
  protocolVersion: number;
  sessionId: string;
  study: StudySummary;
  /** Send a heartbeat at least this often while training. */
  heartbeatSeconds: number;
  /** A trial without heartbeat for this long is taken back and requeued. */
  leaseSeconds: number;
}

/** client -> server: give me work. Reply: trial | wait | done. */
export interface AskMessage extends Envelope {
  type: "ask";
}

/** How long to train a trial. */
export interface TrialBudget {
  epochs: number;
  /** Evaluate after every epoch greater than this (SLIM.NAS_START_EVAL_EPOCH; -1 and 0: every epoch). */
  startEvalEpoch?: number;
  /** Wall-clock cap in seconds, if any. */
  maxSeconds?: number;
}

/** server -> client: train this architecture. */
export interface TrialMessage extends Envelope {
  type: "trial";
  trialId: number;
  tokens: number[];
  /** The decoded architecture (plain JSON, the search space's business). */
  arch: JsonValue;
  budget: TrialBudget;
  leaseSeconds: number;
}

/** server -> client: nothing to do now; ask again later. */
export interface WaitMessage extends Envelope {
  type: "wait";
  retryAfterMs: number;
  reason: string;
}

/** The best trial so far. */
export interface BestTrial {
  trialId: number;
  tokens: number[];
  reward: number;
}

/** server -> client: the study is over; the worker may exit. */
export interface DoneMessage extends Envelope {
  type: "done";
  reason: string;
  best?: BestTrial;
}

/** client -> server, while training: still alive at this epoch. Reply: continue | stop. */
export interface HeartbeatMessage extends Envelope {
  type: "heartbeat";
  trialId: number;
  /** Epochs completed so far (0 before the first one ends). */
  epoch: number;
  /** Latest evaluation metric (mIoU), if any. */
  metric?: number;
  /** The tfjs backend the trial trains on, once known (a worker may have said "auto" at hello). */
  backend?: string;
}

/** server -> client: keep training (the lease is renewed). */
export interface ContinueMessage extends Envelope {
  type: "continue";
  trialId: number;
}

/** server -> client: abandon this trial (pruned, lease lost, study over). */
export interface StopMessage extends Envelope {
  type: "stop";
  trialId: number;
  reason: string;
}

/** client -> server: the trial finished. Reply: ack. */
export interface TellMessage extends Envelope {
  type: "tell";
  trialId: number;
  /** The reward (best mIoU seen), finite. */
  reward: number;
  /** Named final metrics, e.g. { miou: 0.41, pixelAccuracy: 0.88, params: 2.2e6 }. */
  metrics: Record<string, number>;
  /** The metric after each evaluated epoch, in order. */
  curve: number[];
  durationMs: number;
  backend?: string;
  /** The worker's trial directory (a path on the worker's host). */
  trialDir?: string;
  /** Where the worker saved the trained model (a path on the worker's host), if it did. */
  modelDir?: string;
}

/** client -> server: the trial could not finish. Reply: ack. */
export interface FailMessage extends Envelope {
  type: "fail";
  trialId: number;
  reason: string;
  /** Stable error code of the failure (e.g. "SEGNAS_E_TRAINING"), if known. */
  code?: string;
  /**
   * Whose fault it was: "architecture" (NaN loss, out of memory for this network, shape error:
   * the trial is recorded as failed) or "worker" (dataset unreadable, backend lost, disk full:
   * the trial goes back to the queue, the architecture is not consumed). Absent = "architecture"
   * (what peers before this field meant).
   */
  fault?: FailureFault;
}

export type FailureFault = "architecture" | "worker";
export const FAILURE_FAULTS: readonly FailureFault[] = ["architecture", "worker"];

/** server -> client: a tell or fail was recorded (`duplicate`: it had been already). */
export interface AckMessage extends Envelope {
  type: "ack";
  trialId: number;
  duplicate: boolean;
}

/** any client -> server: how is the study doing? Reply: snapshot. */
export interface StatusMessage extends Envelope {
  type: "status";
}

/** A worker as listed in a status snapshot. */
export interface WorkerStatus {
  workerId: string;
  sessionId: string;
  capabilities: Capabilities;
  /** Milliseconds since the epoch. */
  connectedAt: number;
  lastSeenAt: number;
  /** The trial it is training, or null when idle. */
  trialId: number | null;
  /** Epochs it reported for that trial. */
  epoch: number | null;
  metric?: number;
}

export type TrialState = "queued" | "leased" | "completed" | "failed" | "pruned";

/** A trial as listed in a status snapshot. */
export interface TrialStatus {
  trialId: number;
  tokens: number[];
  state: TrialState;
  reward: number | null;
  workerId: string | null;
  durationMs: number | null;
}

/** The study as the server sees it now. */
export interface StatusSnapshot {
  study: StudySummary;
  /** Milliseconds since the epoch: when the study started, and when this snapshot was taken. */
  startedAt: number;
  now: number;
  /** Trials with a reward (the iteration count). */
  completed: number;
  failed: number;
  /** Trials handed out and not yet reported. */
  running: number;
  /** Trials waiting for a worker (e.g. requeued after a lost lease). */
  queued: number;
  /** True once searchSteps trials completed (or the search is exhausted). */
  done: boolean;
  best: BestTrial | null;
  workers: WorkerStatus[];
  /** The most recent trials, newest last (the server chooses how many). */
  recent: TrialStatus[];
}

/** server -> client: answer to status. */
export interface SnapshotMessage extends Envelope {
  type: "snapshot";
  snapshot: StatusSnapshot;
}

/** either side: something went wrong; `code` is a stable code from core's catalogue. */
export interface ErrorMessage extends Envelope {
  type: "error";
  code: string;
  message: string;
  data?: JsonObject;
}

/** either side: I am closing on purpose. */
export interface ByeMessage extends Envelope {
  type: "bye";
  reason?: string;
}

export type Message =
  | HelloMessage
  | ChallengeMessage
  | WelcomeMessage
  | AskMessage
  | TrialMessage
  | WaitMessage
  | DoneMessage
  | HeartbeatMessage
  | ContinueMessage
  | StopMessage
  | TellMessage
  | FailMessage
  | AckMessage
  | StatusMessage
  | SnapshotMessage
  | ErrorMessage
  | ByeMessage;

export type MessageType = Message["type"];

/** The message with this `type`. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** Every message type name, in the order of the table in docs/protocol.md. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  "hello",
  "challenge",
  "welcome",
  "ask",
  "trial",
  "wait",
  "done",
  "heartbeat",
  "continue",
  "stop",
  "tell",
  "fail",
  "ack",
  "status",
  "snapshot",
  "error",
  "bye",
];

/** Which replies answer which request (an `error` may answer any of them). */
export const REPLIES = {
  hello: ["challenge", "welcome"],
  ask: ["trial", "wait", "done"],
  heartbeat: ["continue", "stop"],
  tell: ["ack"],
  fail: ["ack"],
  status: ["snapshot"],
} as const satisfies Record<string, readonly MessageType[]>;

export type RequestType = keyof typeof REPLIES;
export type RequestMessage = MessageOf<RequestType>;
/** The reply types of a request type. */
export type ReplyOf<T extends RequestType> = MessageOf<(typeof REPLIES)[T][number]>;

/** A message without its `type` and envelope, e.g. to build one with a helper. */
export type Body<M extends Message> = Omit<M, "type" | "id" | "re">;
