/**
 * PaddleSeg 0.x augmentation (reader.py + data_aug.py), split in two steps:
 *
 * 1. `planSample` draws every random decision for one sample from its own Rng (so a sample's
 *    augmentation depends only on its seed, never on which thread or batch handles it):
 *    - train: resize per AUG_METHOD (unpadding: FIX_RESIZE_SIZE; rangescaling: long side to a
 *      random integer in [MIN_RESIZE_VALUE, MAX_RESIZE_VALUE]; stepscaling: a random factor in
 *      [MIN, MAX]_SCALE_FACTOR on a SCALE_STEP_SIZE grid, continuous when the step is 0), pad
 *      bottom/right to TRAIN_CROP_SIZE when smaller, random crop, then FLIP (vertical,
 *      probability FLIP_RATIO) and MIRROR (horizontal, probability 1/2), in PaddleSeg's order.
 *    - eval: resize (unpadding: FIX_RESIZE_SIZE; rangescaling: long side INF_RESIZE_VALUE;
 *      stepscaling: none), pad bottom/right to EVAL_CROP_SIZE. A resized image larger than
 *      EVAL_CROP_SIZE is an error, as in PaddleSeg: cropping would drop validation pixels.
 * 2. `renderSample` applies a plan in ONE pass over the output pixels: each output pixel is
 *    mapped back through flip/crop/pad/resize to the source and sampled there (bilinear for
 *    images, nearest for labels), then normalised as (x / 255 - MEAN) / STD into Float32 NHWC.
 *    Only the cropped window is ever computed, so a 2x upscale followed by a small crop costs
 *    the crop, not the upscaled image.
 *
 * Resampling follows OpenCV's INTER_LINEAR (half-pixel centres). For labels segnas uses
 * centre-aligned nearest (OpenCV's INTER_NEAREST_EXACT) instead of PaddleSeg's INTER_NEAREST,
 * which samples the top-left neighbour and shifts labels by half a source pixel against images.
 * Values stay in float (PaddleSeg rounds to uint8 after resizing and padding).
 */
import type { Rng } from "@segnas/core";
import type { DataOptions } from "./options";

export type Phase = "train" | "eval";

export interface SamplePlan {
  readonly srcWidth: number;
  readonly srcHeight: number;
  /** Size after the AUG_METHOD resize (before padding/cropping). */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Output size (the crop size, or the resized size when no crop is configured). */
  readonly width: number;
  readonly height: number;
  /** Crop offset inside the padded resized image. */
  readonly offsetX: number;
  readonly offsetY: number;
  readonly mirror: boolean;
  readonly flip: boolean;
}

/** PaddleSeg's get_random_scale: a uniform pick among linspace(min, max, steps), or continuous. */
export function randomScale(min: number, max: number, step: number, rng: Rng): number {
  if (min === max) return min;
  if (step === 0) return min + (max - min) * rng.next();
  const steps = Math.floor((max - min) / step + 1 + 1e-9);
  if (steps <= 1) return min;
  return min + ((max - min) * rng.int(steps)) / (steps - 1);
}

/** Thrown by planSample when a sample cannot be shaped; the caller adds file and line. */
export class PlanError extends Error {}

export function planSample(
  srcWidth: number,
  srcHeight: number,
  opts: DataOptions,
  phase: Phase,
  rng: Rng,
): SamplePlan {
  let rw = srcWidth;
  let rh = srcHeight;
  if (opts.augMethod === "unpadding") {
    [rw, rh] = opts.fixResizeSize;
  } else if (opts.augMethod === "rangescaling") {
    const target =
      phase === "train"
        ? opts.minResizeValue + rng.int(opts.maxResizeValue - opts.minResizeValue + 1)
        : opts.infResizeValue;
    const scale = target / Math.max(srcWidth, srcHeight);
    rw = Math.max(1, Math.round(srcWidth * scale));
    rh = Math.max(1, Math.round(srcHeight * scale));
  } else if (phase === "train") {
    const scale = randomScale(opts.minScaleFactor, opts.maxScaleFactor, opts.scaleStepSize, rng);
    rw = Math.max(1, Math.floor(srcWidth * scale + 0.5));
    rh = Math.max(1, Math.floor(srcHeight * scale + 0.5));
  }

  const crop = phase === "train" ? opts.trainCropSize : opts.evalCropSize;
  let width = rw;
  let height = rh;
  let offsetX = 0;
  let offsetY = 0;
  if (crop !== null) {
    [width, height] = crop;
    if (phase === "eval" && (rw > width || rh > height)) {
      throw new PlanError(
        `after resizing the image is ${rw}x${rh}, larger than EVAL_CROP_SIZE (${width}, ${height}); ` +
          `evaluation pads but never crops: raise EVAL_CROP_SIZE to at least (${rw}, ${rh})`,
      );
    }
    // Pad (bottom/right) up to the crop size, then pick the crop window: h offset first.
    offsetY = phase === "train" ? rng.int(Math.max(rh, height) - height + 1) : 0;
    offsetX = phase === "train" ? rng.int(Math.max(rw, width) - width + 1) : 0;
  }
  let flip = false;
  let mirror = false;
  if (phase === "train") {
    if (opts.flip) flip = rng.next() < opts.flipRatio;
    if (opts.mirror) mirror = rng.int(2) === 1;
  }
  return {
    srcWidth,
    srcHeight,
    resizedWidth: rw,
    resizedHeight: rh,
    width,
    height,
    offsetX,
    offsetY,
    mirror,
    flip,
  };
}

/** Per output coordinate: where it samples in the source, or -1 in the padding. */
interface AxisMap {
  /** Bilinear: lower tap, upper tap, weight of the upper tap. */
  lo: Int32Array;
  hi: Int32Array;
  w: Float32Array;
  /** Nearest tap (labels). */
  near: Int32Array;
}

function axisMap(outSize: number, offset: number, reversed: boolean, resized: number, src: number): AxisMap {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const near = new Int32Array(outSize);
  const scale = src / resized;
  for (let o = 0; o < outSize; o++) {
    const r = (reversed ? outSize - 1 - o : o) + offset; // coordinate in the padded resized image
    if (r >= resized) {
      lo[o] = -1;
      near[o] = -1;
      continue;
    }
    let s = (r + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let l = Math.floor(s);
    let f = s - l;
    if (l >= src - 1) {
      l = src - 1;
      f = 0;
    }
    lo[o] = l;
    hi[o] = Math.min(l + 1, src - 1);
    w[o] = f;
    near[o] = Math.min(Math.floor((r + 0.5) * scale), src - 1);
  }
  return { lo, hi, w, near };
}

/**
 * Writes one planned sample into batch buffers: `image` (height*width*3 floats at `imageOffset`)
 * and `labels` (height*width ints at `labelOffset`).
 */
export function renderSample(
  src: { image: Uint8Array; label: ArrayLike<number> },
  plan: SamplePlan,
  opts: DataOptions,
  image: Float32Array,
  imageOffset: number,
  labels: Int32Array,
  labelOffset: number,
): void {
  const { width, height, srcWidth } = plan;
  const xs = axisMap(width, plan.offsetX, plan.mirror, plan.resizedWidth, srcWidth);
  const ys = axisMap(height, plan.offsetY, plan.flip, plan.resizedHeight, plan.srcHeight);
  // (v / 255 - mean) / std == v * a + b
  const a0 = 1 / (255 * opts.std[0]);
  const a1 = 1 / (255 * opts.std[1]);
  const a2 = 1 / (255 * opts.std[2]);
  const b0 = -opts.mean[0] / opts.std[0];
  const b1 = -opts.mean[1] / opts.std[1];
  const b2 = -opts.mean[2] / opts.std[2];
  const p0 = opts.paddingValue[0] * a0 + b0;
  const p1 = opts.paddingValue[1] * a1 + b1;
  const p2 = opts.paddingValue[2] * a2 + b2;
  const ignore = opts.ignoreIndex;
  const img = src.image;
  const lbl = src.label;
  const row = srcWidth * 3;
  let io = imageOffset;
  let lo = labelOffset;
  for (let oy = 0; oy < height; oy++) {
    const y0 = ys.lo[oy]!;
    if (y0 < 0) {
      for (let ox = 0; ox < width; ox++) {
        image[io++] = p0;
        image[io++] = p1;
        image[io++] = p2;
        labels[lo++] = ignore;
      }
      continue;
    }
    const r0 = y0 * row;
    const r1 = ys.hi[oy]! * row;
    const fy = ys.w[oy]!;
    const ln = ys.near[oy]! * srcWidth;
    for (let ox = 0; ox < width; ox++) {
      const x0 = xs.lo[ox]!;
      if (x0 < 0) {
        image[io++] = p0;
        image[io++] = p1;
        image[io++] = p2;
        labels[lo++] = ignore;
        continue;
      }
      const c0 = x0 * 3;
      const c1 = xs.hi[ox]! * 3;
      const fx = xs.w[ox]!;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const i00 = r0 + c0;
      const i01 = r0 + c1;
      const i10 = r1 + c0;
      const i11 = r1 + c1;
      image[io++] = (img[i00]! * w00 + img[i01]! * w01 + img[i10]! * w10 + img[i11]! * w11) * a0 + b0;
      image[io++] =
        (img[i00 + 1]! * w00 + img[i01 + 1]! * w01 + img[i10 + 1]! * w10 + img[i11 + 1]! * w11) * a1 + b1;
      image[io++] =
        (img[i00 + 2]! * w00 + img[i01 + 2]! * w01 + img[i10 + 2]! * w10 + img[i11 + 2]! * w11) * a2 + b2;
      labels[lo++] = lbl[ln + xs.near[ox]!]!;
    }
  }
}
