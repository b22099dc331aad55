/**
 * The majority-class baseline: predict the most frequent training class for every pixel and
 * score it on the validation set with the same confusion matrix as a trial. A trial that does
 * not clearly beat this has learned nothing (camvid-mini: "road", mIoU ~0.027).
 */
import { ConfusionMatrix } from "@segnas/core";
import { getConfigValue, type SegConfig } from "@segnas/config";
import { createDataLoader, dataOptionsFromConfig } from "../data";

export interface MajorityBaseline {
  /** The most frequent class in the training labels (no augmentation). */
  readonly classId: number;
  /** Its share of the valid training pixels. */
  readonly trainShare: number;
  /** Validation mIoU of always predicting it (classes present in ground truth or prediction). */
  readonly miou: number;
  readonly pixelAccuracy: number;
}

export async function majorityClassBaseline(cfg: SegConfig): Promise<MajorityBaseline> {
  const data = dataOptionsFromConfig((k) => getConfigValue(cfg, k));
  const classes = cfg.DATASET.NUM_CLASSES;
  const counts = new Float64Array(classes);
  const train = createDataLoader(data, {
    phase: "eval",
    fileList: data.trainFileList,
    batchSize: 1,
    cacheBytes: 0,
  });
  const val = createDataLoader(data, { phase: "eval", batchSize: 1, cacheBytes: 0 });
  try {
    for await (const b of train.epoch(0)) {
      for (const l of b.labels) if (l >= 0 && l < classes) counts[l]! += 1;
    }
    let classId = 0;
    for (let c = 1; c < classes; c++) if (counts[c]! > counts[classId]!) classId = c;
    const total = counts.reduce((a, b) => a + b, 0);
    const cm = new ConfusionMatrix(classes, cfg.DATASET.IGNORE_INDEX);
    for await (const b of val.epoch(0)) cm.update(b.labels, new Int32Array(b.labels.length).fill(classId));
    return {
      classId,
      trainShare: total > 0 ? counts[classId]! / total : 0,
      miou: cm.miou(),
      pixelAccuracy: cm.pixelAccuracy(),
    };
  } finally {
    await Promise.all([train.close(), val.close()]);
  }
}
