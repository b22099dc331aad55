/**
 * Turns decoded samples into one batch: plan each sample from its seed, check that all come
 * out the same size, then render them into one NHWC Float32Array and one Int32Array of labels.
 * The same function runs in-process and inside worker threads, so both give identical batches.
 */
import { Rng } from "@segnas/core";
import { planSample, PlanError, renderSample, type Phase, type SamplePlan } from "./augment";
import { DataError, where } from "./errors";
import type { FileListEntry } from "./file-list";
import type { DataOptions } from "./options";
import type { DecodedSample } from "./sample-source";

export interface Batch {
  /** n * height * width * 3, NHWC, normalised as (x / 255 - MEAN) / STD. */
  readonly images: Float32Array;
  /** n * height * width class ids; IGNORE_INDEX where padded or "don't care". */
  readonly labels: Int32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  /** File-list positions of the samples, in batch order. */
  readonly indices: readonly number[];
}

export function buildBatch(
  samples: readonly DecodedSample[],
  entries: readonly FileListEntry[],
  indices: readonly number[],
  seeds: readonly number[],
  opts: DataOptions,
  phase: Phase,
): Batch {
  const plans: SamplePlan[] = samples.map((s, k) => {
    const entry = entries[indices[k]!]!;
    try {
      return planSample(s.width, s.height, opts, phase, Rng.fromSeed(seeds[k]!));
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      throw new DataError(
        `Cannot shape image ${entry.image}${where(entry.list, entry.line)}: ${err.message}.`,
        {
          file: entry.image,
          list: entry.list,
          line: entry.line,
          reason: err.message,
        },
      );
    }
  });
  const n = plans.length;
  const width = n > 0 ? plans[0]!.width : 0;
  const height = n > 0 ? plans[0]!.height : 0;
  plans.forEach((p, k) => {
    if (p.width !== width || p.height !== height) {
      const a = entries[indices[0]!]!;
      const b = entries[indices[k]!]!;
      const key = phase === "train" ? "TRAIN_CROP_SIZE" : "EVAL_CROP_SIZE";
      throw new DataError(
        `Samples of one batch come out in different sizes: ${a.image} is ${width}x${height}, ` +
          `${b.image}${where(b.list, b.line)} is ${p.width}x${p.height}. Set ${key} so that every sample ` +
          `is cropped or padded to one size.`,
        { file: b.image, list: b.list, line: b.line, reason: "batch size mismatch" },
      );
    }
  });
  const pixels = width * height;
  const images = new Float32Array(n * pixels * 3);
  const labels = new Int32Array(n * pixels);
  for (let k = 0; k < n; k++) {
    renderSample(samples[k]!, plans[k]!, opts, images, k * pixels * 3, labels, k * pixels);
  }
  return { images, labels, n, height, width, indices: [...indices] };
}
