/**
 * One hand-written validator per message type. Input is whatever msgpack decoded; output is a
 * fresh object holding only the known fields, each checked for type and bounds. Unknown fields
 * are dropped (a newer peer may add optional ones); anything wrong throws BadMessageError
 * naming the field.
 */
import { BadMessageError } from "./errors";
import {
  FAILURE_FAULTS,
  MESSAGE_TYPES,
  type BestTrial,
  type Capabilities,
  type Message,
  type MessageType,
  type StatusSnapshot,
  type StudySummary,
  type TrialBudget,
  type TrialState,
  type TrialStatus,
  type WorkerStatus,
} from "./messages";
import {
  arr,
  bad,
  bool,
  describe,
  int,
  isPlainObject,
  json,
  jsonObject,
  num,
  numberRecord,
  numbers,
  obj,
  opt,
  str,
  tokens,
  u32,
  type Obj,
} from "./validate-fields";
import { LIMITS } from "./version";

const ID = LIMITS.idLength;
const TEXT = LIMITS.textLength;
const TRIAL_STATES: readonly TrialState[] = ["queued", "leased", "completed", "failed", "pruned"];

function capabilities(o: Obj, p: string): Capabilities {
  const c = obj(o, "capabilities", p);
  const q = `${p}.capabilities`;
  return {
    backend: str(c, "backend", q, ID),
    device: str(c, "device", q, TEXT),
    hostname: str(c, "hostname", q, ID),
    pid: int(c, "pid", q, 0),
    segnasVersion: str(c, "segnasVersion", q, ID),
  };
}

function study(o: Obj, p: string): StudySummary {
  const s = obj(o, "study", p);
  const q = `${p}.study`;
  return {
    studyId: str(s, "studyId", q, ID, 1),
    space: str(s, "space", q, ID),
    strategy: str(s, "strategy", q, ID),
    searchSteps: int(s, "searchSteps", q, 0),
  };
}

function budget(o: Obj, p: string): TrialBudget {
  const b = obj(o, "budget", p);
  const q = `${p}.budget`;
  const out: TrialBudget = { epochs: int(b, "epochs", q, 0) };
  opt(b, "startEvalEpoch", () => int(b, "startEvalEpoch", q, -1), out as unknown as Obj);
  opt(b, "maxSeconds", () => num(b, "maxSeconds", q, { positive: true }), out as unknown as Obj);
  return out;
}

function bestTrial(b: Obj, q: string): BestTrial {
  return { trialId: int(b, "trialId", q, 0), tokens: tokens(b, "tokens", q), reward: num(b, "reward", q) };
}

function nullableInt(o: Obj, key: string, p: string): number | null {
  return o[key] === null ? null : int(o, key, p, 0);
}

function workerStatus(w: unknown, q: string): WorkerStatus {
  if (!isPlainObject(w)) bad(q, "an object", w);
  const out: WorkerStatus = {
    workerId: str(w, "workerId", q, ID, 1),
    sessionId: str(w, "sessionId", q, ID),
    capabilities: capabilities(w, q),
    connectedAt: num(w, "connectedAt", q, { min: 0 }),
    lastSeenAt: num(w, "lastSeenAt", q, { min: 0 }),
    trialId: nullableInt(w, "trialId", q),
    epoch: nullableInt(w, "epoch", q),
  };
  opt(w, "metric", () => num(w, "metric", q), out as unknown as Obj);
  return out;
}

function fault(o: Obj, q: string): string {
  const f = o.fault;
  if (typeof f !== "string" || !(FAILURE_FAULTS as readonly string[]).includes(f))
    bad(`${q}.fault`, `one of ${FAILURE_FAULTS.join(", ")}`, f);
  return f;
}

function trialStatus(t: unknown, q: string): TrialStatus {
  if (!isPlainObject(t)) bad(q, "an object", t);
  const state = t.state;
  if (typeof state !== "string" || !(TRIAL_STATES as readonly string[]).includes(state))
    bad(`${q}.state`, `one of ${TRIAL_STATES.join(", ")}`, state);
  return {
    trialId: int(t, "trialId", q, 0),
    tokens: tokens(t, "tokens", q),
    state: state as TrialState,
    reward: t.reward === null ? null : num(t, "reward", q),
    workerId: t.workerId === null ? null : str(t, "workerId", q, ID),
    durationMs: t.durationMs === null ? null : num(t, "durationMs", q, { min: 0 }),
  };
}

function snapshot(o: Obj, p: string): StatusSnapshot {
  const s = obj(o, "snapshot", p);
  const q = `${p}.snapshot`;
  const workers = arr(s, "workers", q, LIMITS.snapshotWorkers);
  const recent = arr(s, "recent", q, LIMITS.snapshotTrials);
  return {
    study: study(s, q),
    startedAt: num(s, "startedAt", q, { min: 0 }),
    now: num(s, "now", q, { min: 0 }),
    completed: int(s, "completed", q, 0),
    failed: int(s, "failed", q, 0),
    running: int(s, "running", q, 0),
    queued: int(s, "queued", q, 0),
    done: bool(s, "done", q),
    best: s.best === null ? null : bestTrial(obj(s, "best", q), `${q}.best`),
    workers: workers.map((w, i) => workerStatus(w, `${q}.workers[${i}]`)),
    recent: recent.map((t, i) => trialStatus(t, `${q}.recent[${i}]`)),
  };
}

type BodyValidator = (o: Obj, p: string) => Record<string, unknown>;

/** The validators, by type; each returns the message's fields other than type/id/re. */
const BODY: Record<MessageType, BodyValidator> = {
  hello(o, p) {
    const out: Obj = {
      protocolVersion: int(o, "protocolVersion", p, 0),
      workerId: str(o, "workerId", p, ID, 1),
      capabilities: capabilities(o, p),
    };
    opt(o, "authProof", () => str(o, "authProof", p, 128, 1), out);
    return out;
  },
  challenge(o, p) {
    const nonce = str(o, "nonce", p, LIMITS.nonceMaxHex, LIMITS.nonceMinHex);
    if (!/^[0-9a-f]+$/.test(nonce)) bad(`${p}.nonce`, "lowercase hex", nonce);
    return { nonce };
  },
  welcome(o, p) {
    return {
      protocolVersion: int(o, "protocolVersion", p, 0),
      sessionId: str(o, "sessionId", p, ID, 1),
      study: study(o, p),
      heartbeatSeconds: num(o, "heartbeatSeconds", p, { positive: true }),
      leaseSeconds: num(o, "leaseSeconds", p, { positive: true }),
    };
  },
  ask: () => ({}),
  trial(o, p) {
    if (!("arch" in o) || o.arch === undefined) bad(`${p}.arch`, "plain JSON data", undefined);
    return {
      trialId: int(o, "trialId", p, 0),
      tokens: tokens(o, "tokens", p),
      arch: json(o.arch, `${p}.arch`),
      budget: budget(o, p),
      leaseSeconds: num(o, "leaseSeconds", p, { positive: true }),
    };
  },
  wait(o, p) {
    return { retryAfterMs: int(o, "retryAfterMs", p, 0), reason: str(o, "reason", p, TEXT) };
  },
  done(o, p) {
    const out: Obj = { reason: str(o, "reason", p, TEXT) };
    opt(o, "best", () => bestTrial(obj(o, "best", p), `${p}.best`), out);
    return out;
  },
  heartbeat(o, p) {
    const out: Obj = { trialId: int(o, "trialId", p, 0), epoch: int(o, "epoch", p, 0) };
    opt(o, "metric", () => num(o, "metric", p), out);
    opt(o, "backend", () => str(o, "backend", p, ID), out);
    return out;
  },
  continue: (o, p) => ({ trialId: int(o, "trialId", p, 0) }),
  stop: (o, p) => ({ trialId: int(o, "trialId", p, 0), reason: str(o, "reason", p, TEXT) }),
  tell(o, p) {
    const out: Obj = {
      trialId: int(o, "trialId", p, 0),
      reward: num(o, "reward", p),
      metrics: numberRecord(o, "metrics", p),
      curve: numbers(o, "curve", p, LIMITS.curve),
      durationMs: num(o, "durationMs", p, { min: 0 }),
    };
    opt(o, "backend", () => str(o, "backend", p, ID), out);
    opt(o, "trialDir", () => str(o, "trialDir", p, TEXT), out);
    opt(o, "modelDir", () => str(o, "modelDir", p, TEXT), out);
    return out;
  },
  fail(o, p) {
    const out: Obj = { trialId: int(o, "trialId", p, 0), reason: str(o, "reason", p, TEXT) };
    opt(o, "code", () => str(o, "code", p, ID, 1), out);
    opt(o, "fault", () => fault(o, p), out);
    return out;
  },
  ack: (o, p) => ({ trialId: int(o, "trialId", p, 0), duplicate: bool(o, "duplicate", p) }),
  status: () => ({}),
  snapshot: (o, p) => ({ snapshot: snapshot(o, p) }),
  error(o, p) {
    const out: Obj = { code: str(o, "code", p, ID, 1), message: str(o, "message", p, TEXT) };
    opt(o, "data", () => jsonObject(o, "data", p), out);
    return out;
  },
  bye(o, p) {
    const out: Obj = {};
    opt(o, "reason", () => str(o, "reason", p, TEXT), out);
    return out;
  },
};

/**
 * Checks that `value` (e.g. freshly decoded msgpack) is a valid message and returns a clean copy
 * of it. Throws BadMessageError naming the offending field.
 */
export function validateMessage(value: unknown): Message {
  if (!isPlainObject(value)) throw new BadMessageError(`a message must be an object, got ${describe(value)}`);
  const type = value.type;
  if (typeof type !== "string" || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new BadMessageError(
      `a message's "type" must be one of ${MESSAGE_TYPES.join(", ")}, got ${describe(type)}`,
      { field: "type" },
    );
  }
  const out: Obj = { type };
  opt(value, "id", () => u32(value, "id", type), out);
  opt(value, "re", () => u32(value, "re", type), out);
  Object.assign(out, BODY[type as MessageType](value, type));
  return out as unknown as Message;
}
