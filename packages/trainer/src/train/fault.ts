/**
 * Whose fault a failed trial was. "architecture": this network cannot be trained here (NaN
 * loss, out of memory for its size, a shape error): the search records the failure and moves
 * on. "worker": the machine is broken (dataset unreadable, backend lost, disk full, the training
 * process could not start or was killed from outside): any architecture would have failed, so
 * the trial goes back to the queue and the worker backs off instead of burning the search.
 */
export type FailureFault = "architecture" | "worker";

/** Codes that always mean the worker's environment, whatever the network. */
const WORKER_CODES: ReadonlySet<string> = new Set([
  "SEGNAS_E_DATA",
  "SEGNAS_E_BACKEND",
  "SEGNAS_E_CONFIG",
  "SEGNAS_E_CONFIG_UNKNOWN_KEY",
  "SEGNAS_E_INTERNAL",
  "SEGNAS_E_BAD_ARGUMENT",
]);

/** Environmental causes that may hide inside a training error's text. */
const WORKER_REASONS =
  /\b(ENOSPC|EDQUOT|EROFS|EACCES|EPERM|EMFILE|ENFILE|EIO)\b|no space left on device|could not (start|run) the training process|killed by (SIGTERM|SIGINT|SIGHUP)|terminated from outside|child entry .* is missing/i;

export function failureFault(code: string, reason: string): FailureFault {
  if (WORKER_CODES.has(code)) return "worker";
  if (WORKER_REASONS.test(reason)) return "worker";
  return "architecture";
}
