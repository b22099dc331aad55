/**
 * @segnas/worker — runs trials for a controller.
 *
 * - `runWorker({ host, port, runner, trialRoot, logger, connectRetrySeconds, secret? })`: connect
 *   (with backoff), ask / train / heartbeat / tell until the server says done; survives server
 *   restarts (reconnects, re-sends an unacknowledged result); obeys stop.
 * - `tlsClientOptionsFromConfig(config)`: SEGNAS.TLS_CA / TLS_SERVERNAME -> the `tls` option of
 *   runWorker / connectWithRetry (null = plain TCP).
 * - `TrialRunner`: how one trial runs. `createTrainerRunner(runTrial, ...)` wraps
 *   @segnas/trainer's child-process trainer; `createFakeRunner()` "trains" instantly or slowly
 *   with a deterministic reward (tests, benchmarks, SEGNAS_FAKE_TRAINER=1).
 */
export {
  Worker,
  runWorker,
  parseAddress,
  SEGNAS_VERSION,
  type WorkerOptions,
  type WorkerSummary,
} from "./worker";
export type { TrialRunner, TrialRunRequest, TrialRunOutcome, EpochReport } from "./runner";
export { createFakeRunner, hashReward, type FakeRunnerOptions } from "./fake-runner";
export {
  createTrainerRunner,
  type RunTrialFn,
  type TrainerRunOptions,
  type TrainerOutcome,
  type TrainerRunnerOptions,
} from "./trainer-runner";
export { connectWithRetry, type ConnectOptions } from "./connect";
export { tlsClientOptionsFromConfig } from "./tls-config";
export { defaultWorkerId, describeDevice } from "./device";
