/**
 * Training and evaluation of one architecture (a trial): the loop, LR schedules, optimizers,
 * the in-process `trainArchitecture` and the child-process `runTrial` the worker uses.
 */
export {
  runTrial,
  childEntryPath,
  describeExit,
  type RunTrialOptions,
  type TrialStartedInfo,
} from "./run-trial";
export { trainArchitecture, type TrainArchitectureOptions } from "./train-architecture";
export {
  trainLoop,
  evaluateModel,
  formatEta,
  NonFiniteLossError,
  type LoopOptions,
  type LoopResult,
  type LoopData,
  type LoopBatch,
  type LoopModel,
  type MiouAccumulator,
} from "./train-loop";
export {
  learningRateAt,
  isLrPolicy,
  LR_POLICIES,
  type LrPolicy,
  type LrScheduleOptions,
} from "./lr-schedule";
export {
  createOptimizer,
  decaysByDefault,
  type Optimizer,
  type OptimizerName,
  type OptimizerOptions,
} from "./optimizer";
export { createProgressBar, type ProgressBar } from "./progress-bar";
export { ensureConfigDataset, isSyntheticDataDir } from "./config-dataset";
export { failureFault, type FailureFault } from "./fault";
export {
  preflightTraining,
  probeBackendInChild,
  type PreflightOptions,
  type PreflightReport,
} from "./preflight";
export { majorityClassBaseline, type MajorityBaseline } from "./baseline";
export {
  bestOf,
  type TrialOutcome,
  type CompletedOutcome,
  type StoppedOutcome,
  type FailedOutcome,
  type TrialMetrics,
  type EpochRecord,
  type EpochEvent,
  type StepProgress,
} from "./trial-types";
export type { TrialRequest, ChildMessage, ParentMessage } from "./trial-ipc";
