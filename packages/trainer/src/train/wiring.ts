/**
 * The two places a trial touches the backend and model packages: choosing (and proving) a
 * backend, and building a fresh seeded model that passed the preflight against core's analytic
 * cost model.
 */
import type { Logger } from "pino";
import type { DeepLabHead, MobileNetV2SegArch } from "@segnas/core";
import { selectBackend, type BackendPreference } from "../backend";
import { buildModel, checkModel, type SegModel } from "../model";
import type { FormulationName } from "../ops";

/** Selects and proves a backend (SEGNAS_BACKEND in the environment wins). */
export async function useBackend(
  pref: string,
  logger: Logger,
): Promise<{ backend: string; formulation: FormulationName }> {
  const s = await selectBackend(pref as BackendPreference, logger);
  for (const r of s.rejected)
    logger.info(
      { topic: "backend", backend: r.backend, reason: r.reason },
      `backend ${r.backend} not used: ${r.reason}`,
    );
  return { backend: s.backend, formulation: s.formulation };
}

/** Fresh weights from `seed`, checked layer by layer against the analytic model. */
export function buildTrialModel(
  arch: MobileNetV2SegArch,
  opts: { classes: number; head: DeepLabHead; seed: number; formulation: FormulationName },
): SegModel {
  const model = buildModel(arch, opts);
  try {
    checkModel(model, arch, { classes: opts.classes, head: opts.head });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
