/**
 * A one-line training progress bar for a terminal: redrawn in place on stderr, only when stderr
 * is a TTY (logs and pipes never see carriage returns). Throttled to a few redraws a second.
 */
import type { StepProgress } from "./trial-types";
import { formatEta } from "./train-loop";

export interface ProgressBar {
  update(p: StepProgress): void;
  /** Clears the line (call before printing anything else, and at the end). */
  clear(): void;
}

const NOOP: ProgressBar = { update: () => undefined, clear: () => undefined };

export function createProgressBar(
  stream: NodeJS.WriteStream = process.stderr,
  opts: { minIntervalMs?: number; width?: number; enabled?: boolean } = {},
): ProgressBar {
  if (!stream.isTTY || opts.enabled === false) return NOOP;
  const minInterval = opts.minIntervalMs ?? 200;
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const t = Date.now();
      if (t - last < minInterval && p.step !== p.stepsPerEpoch) return;
      last = t;
      const cols = opts.width ?? Math.max(40, (stream.columns || 80) - 1);
      const done = ((p.epoch - 1) * p.stepsPerEpoch + p.step) / Math.max(1, p.epochs * p.stepsPerEpoch);
      const text = ` epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${p.stepsPerSecond.toFixed(2)} step/s ETA ${formatEta(p.etaSeconds)}`;
      const barWidth = Math.max(10, Math.min(40, cols - text.length - 3));
      const filled = Math.round(done * barWidth);
      const line = `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${text}`.slice(0, cols);
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
