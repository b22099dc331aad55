/**
 * The worker's preflight, as the CLI runs it: before `segnas worker` asks for its first trial,
 * and before `segnas train` (NAS_IS_SERVER True) starts its server, so that a missing dataset or
 * a broken backend ends the command at once, naming the path and the key to fix, with nothing
 * written. A fake-trainer worker (tests, dry runs) reads no data and loads no backend: skipped.
 */
import type { Logger } from "pino";
import type { NasConfig } from "./config";
import { isFakeTrainer } from "./runner";

export async function preflightWorker(
  nc: NasConfig,
  logger: Logger,
  opts: { backend?: string } = {},
): Promise<void> {
  if (isFakeTrainer()) return;
  const { preflightTraining } = require("@segnas/trainer") as typeof import("@segnas/trainer");
  const report = await preflightTraining(nc.cfg, { ...(opts.backend ? { backend: opts.backend } : {}) });
  logger.info(
    { preflight: report },
    `preflight passed: ${report.trainSamples} train / ${report.valSamples} val samples, backend ${report.backend ?? "?"}`,
  );
}
