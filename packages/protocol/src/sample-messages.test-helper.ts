/** One valid example of every message type, for tests (not exported by the package). */
import type { Capabilities, Message, MessageType, StatusSnapshot } from "./messages";

export const CAPS: Capabilities = {
  backend: "wasm",
  device: "cpu x2",
  hostname: "host-a",
  pid: 4242,
  segnasVersion: "0.1.0",
};

const SNAPSHOT: StatusSnapshot = {
  study: { studyId: "s1", space: "MobileNetV2SpaceSeg", strategy: "sa", searchSteps: 100 },
  startedAt: 1_700_000_000_000,
  now: 1_700_000_100_000,
  completed: 3,
  failed: 1,
  running: 2,
  queued: 0,
  done: false,
  best: { trialId: 2, tokens: [4, 4, 5, 1, 0], reward: 0.41 },
  workers: [
    {
      workerId: "host-a:4242:0",
      sessionId: "sess-1",
      capabilities: CAPS,
      connectedAt: 1_700_000_000_500,
      lastSeenAt: 1_700_000_099_000,
      trialId: 5,
      epoch: 2,
      metric: 0.3,
    },
    {
      workerId: "host-b:7:0",
      sessionId: "sess-2",
      capabilities: { ...CAPS, hostname: "host-b", pid: 7 },
      connectedAt: 1_700_000_000_600,
      lastSeenAt: 1_700_000_099_500,
      trialId: null,
      epoch: null,
    },
  ],
  recent: [
    {
      trialId: 1,
      tokens: [1, 2],
      state: "completed",
      reward: 0.2,
      workerId: "host-a:4242:0",
      durationMs: 1200,
    },
    { trialId: 4, tokens: [1, 3], state: "failed", reward: null, workerId: null, durationMs: null },
  ],
};

export const SAMPLES: { [T in MessageType]: Extract<Message, { type: T }> } = {
  hello: { type: "hello", protocolVersion: 1, workerId: "host-a:4242:0", capabilities: CAPS, id: 1 },
  challenge: { type: "challenge", nonce: "ab".repeat(32), re: 1 },
  welcome: {
    type: "welcome",
    protocolVersion: 1,
    sessionId: "sess-1",
    study: { studyId: "s1", space: "MobileNetV2SpaceSeg", strategy: "sa", searchSteps: 100 },
    heartbeatSeconds: 5,
    leaseSeconds: 30.5,
  },
  ask: { type: "ask", id: 7 },
  trial: {
    type: "trial",
    trialId: 12,
    tokens: [4, 4, 5, 1, 0, 4, 4, 2, 0],
    arch: {
      blocks: [
        [1, 16, 1, 1, 3],
        [6, 24, 2, 2, 3],
      ],
      head: { aspp: false, ratio: 0.5 },
      name: "x",
      z: null,
    },
    budget: { epochs: 3, startEvalEpoch: 0, maxSeconds: 600 },
    leaseSeconds: 30,
    re: 7,
  },
  wait: { type: "wait", retryAfterMs: 250, reason: "all proposals are pending" },
  done: {
    type: "done",
    reason: "search steps reached",
    best: { trialId: 2, tokens: [1, 2, 3], reward: 0.5 },
  },
  heartbeat: { type: "heartbeat", trialId: 12, epoch: 1, metric: 0.25, backend: "wasm" },
  continue: { type: "continue", trialId: 12 },
  stop: { type: "stop", trialId: 12, reason: "lease expired" },
  tell: {
    type: "tell",
    trialId: 12,
    reward: 0.4123,
    metrics: { miou: 0.4123, pixelAccuracy: 0.9, params: 2_200_000 },
    curve: [0.1, 0.3, 0.4123],
    durationMs: 65_000.5,
    backend: "wasm",
  },
  fail: { type: "fail", trialId: 12, reason: "NaN loss at epoch 2", code: "SEGNAS_E_TRAINING" },
  ack: { type: "ack", trialId: 12, duplicate: false },
  status: { type: "status" },
  snapshot: { type: "snapshot", snapshot: SNAPSHOT },
  error: {
    type: "error",
    code: "SEGNAS_E_UNKNOWN_TRIAL",
    message: "trial 99 is unknown",
    data: { trialId: 99, x: [1, "a"] },
  },
  bye: { type: "bye", reason: "shutting down" },
};

export const ALL_SAMPLES: Message[] = Object.values(SAMPLES);
