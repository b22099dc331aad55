/** Builds the synthetic dataset a config points at, on first use (trainer's ensureConfigDataset). */
import type { SegConfig } from "@segnas/config";
import type { Logger } from "pino";
import { isFakeTrainer } from "./runner";

export async function ensureDataset(cfg: SegConfig, logger: Logger): Promise<void> {
  if (isFakeTrainer()) return;
  const { ensureConfigDataset } = require("@segnas/trainer") as typeof import("@segnas/trainer");
  const made = await ensureConfigDataset(cfg);
  if (made?.created) logger.info(`built the synthetic dataset in ${made.dir}`);
}
