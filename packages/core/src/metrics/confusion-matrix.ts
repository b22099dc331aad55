/**
 * A confusion matrix for semantic segmentation and the metrics derived from it (IoU, mIoU,
 * pixel accuracy). Pure and allocation-free on the hot path: `update` walks two typed arrays
 * once. Counts live in a Float64Array (exact up to 2^53 pixels, far beyond any validation set).
 *
 * mIoU follows SPEC §5: the mean IoU over the classes that occur in the ground truth OR the
 * prediction. PaddleSeg 0.x divides by NUM_CLASSES instead (a class absent from both counts
 * as IoU 0); `miouPaddleSeg()` gives that number for comparison with published results.
 */
import { SegnasError } from "../errors";

export interface ConfusionMatrixJSON {
  numClasses: number;
  ignoreIndex: number;
  /** Row = ground-truth class, column = predicted class. */
  matrix: number[][];
}

function badArgument(message: string, data: Record<string, unknown> = {}): SegnasError {
  return new SegnasError("SEGNAS_E_BAD_ARGUMENT", message, data);
}

export class ConfusionMatrix {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  /** counts[gt * numClasses + pred]. */
  private readonly counts: Float64Array;

  constructor(numClasses: number, ignoreIndex = 255) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw badArgument(`numClasses must be a positive integer, got ${numClasses}.`, { numClasses });
    }
    if (!Number.isInteger(ignoreIndex)) {
      throw badArgument(`ignoreIndex must be an integer, got ${ignoreIndex}.`, { ignoreIndex });
    }
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Adds one batch of pixels. `labels[i]` is the ground truth of pixel i (IGNORE_INDEX pixels are
   * skipped), `preds[i]` the predicted class. A label or prediction outside [0, numClasses) that
   * is not the ignore index is an error: it means NUM_CLASSES does not fit the data.
   */
  update(labels: ArrayLike<number>, preds: ArrayLike<number>): this {
    const n = labels.length;
    if (preds.length !== n) {
      throw badArgument(`labels and preds differ in length (${n} vs ${preds.length}).`, {
        labels: n,
        preds: preds.length,
      });
    }
    const nc = this.numClasses;
    const ignore = this.ignoreIndex;
    const counts = this.counts;
    for (let i = 0; i < n; i++) {
      const gt = labels[i] as number;
      if (gt === ignore) continue;
      const pr = preds[i] as number;
      // Rejects negatives, NaN, fractions and too-large values (NUM_CLASSES does not fit).
      if (!(gt >= 0 && gt < nc && (gt | 0) === gt)) throw this.outOfRange("label", gt, i);
      if (!(pr >= 0 && pr < nc && (pr | 0) === pr)) throw this.outOfRange("prediction", pr, i);
      counts[gt * nc + pr]! += 1;
    }
    return this;
  }

  private outOfRange(what: string, value: number, index: number): SegnasError {
    return badArgument(
      `A ${what} of ${value} at pixel ${index} is outside [0, ${this.numClasses}) and is not the ignore index ` +
        `${this.ignoreIndex}: check DATASET.NUM_CLASSES and DATASET.IGNORE_INDEX against the data.`,
      { what, value, index, numClasses: this.numClasses, ignoreIndex: this.ignoreIndex },
    );
  }

  /** Adds another matrix's counts (e.g. from another evaluation shard). */
  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses) {
      throw badArgument(
        `Cannot merge confusion matrices of ${other.numClasses} and ${this.numClasses} classes.`,
        { a: this.numClasses, b: other.numClasses },
      );
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    return this;
  }

  reset(): this {
    this.counts.fill(0);
    return this;
  }

  /** Pixels with ground truth `gt` predicted as `pred`. */
  get(gt: number, pred: number): number {
    return this.counts[gt * this.numClasses + pred] ?? 0;
  }

  /** Pixels counted (ignored pixels excluded). */
  total(): number {
    let t = 0;
    for (let i = 0; i < this.counts.length; i++) t += this.counts[i]!;
    return t;
  }

  /** Per class: [true positives, ground-truth pixels, predicted pixels]. */
  private classTotals(): { tp: Float64Array; gt: Float64Array; pred: Float64Array } {
    const nc = this.numClasses;
    const tp = new Float64Array(nc);
    const gt = new Float64Array(nc);
    const pred = new Float64Array(nc);
    for (let g = 0; g < nc; g++) {
      for (let p = 0; p < nc; p++) {
        const v = this.counts[g * nc + p]!;
        gt[g]! += v;
        pred[p]! += v;
        if (g === p) tp[g] = v;
      }
    }
    return { tp, gt, pred };
  }

  /**
   * IoU = TP / (TP + FP + FN) per class. A class that occurs in neither the ground truth nor the
   * prediction has no defined IoU: NaN (it is left out of `miou()`).
   */
  iou(): number[] {
    const { tp, gt, pred } = this.classTotals();
    const out: number[] = [];
    for (let c = 0; c < this.numClasses; c++) {
      const denom = gt[c]! + pred[c]! - tp[c]!;
      out.push(denom > 0 ? tp[c]! / denom : NaN);
    }
    return out;
  }

  /** Mean IoU over classes present in ground truth or prediction (SPEC §5); 0 when none is. */
  miou(): number {
    let sum = 0;
    let n = 0;
    for (const v of this.iou()) {
      if (Number.isNaN(v)) continue;
      sum += v;
      n++;
    }
    return n === 0 ? 0 : sum / n;
  }

  /** PaddleSeg 0.x's mIoU: every class counts, an absent class as IoU 0. */
  miouPaddleSeg(): number {
    let sum = 0;
    for (const v of this.iou()) if (!Number.isNaN(v)) sum += v;
    return sum / this.numClasses;
  }

  /** Correct pixels / counted pixels; 0 when nothing was counted. */
  pixelAccuracy(): number {
    const total = this.total();
    if (total === 0) return 0;
    let correct = 0;
    for (let c = 0; c < this.numClasses; c++) correct += this.counts[c * this.numClasses + c]!;
    return correct / total;
  }

  toJSON(): ConfusionMatrixJSON {
    const nc = this.numClasses;
    const matrix: number[][] = [];
    for (let g = 0; g < nc; g++) matrix.push(Array.from(this.counts.subarray(g * nc, (g + 1) * nc)));
    return { numClasses: nc, ignoreIndex: this.ignoreIndex, matrix };
  }

  static fromJSON(json: ConfusionMatrixJSON): ConfusionMatrix {
    const cm = new ConfusionMatrix(json.numClasses, json.ignoreIndex);
    const nc = json.numClasses;
    if (!Array.isArray(json.matrix) || json.matrix.length !== nc) {
      throw new SegnasError("SEGNAS_E_BAD_STATE", `A confusion matrix needs ${nc} rows.`, { numClasses: nc });
    }
    json.matrix.forEach((row, g) => {
      if (!Array.isArray(row) || row.length !== nc || row.some((v) => !(Number.isFinite(v) && v >= 0))) {
        throw new SegnasError(
          "SEGNAS_E_BAD_STATE",
          `Row ${g} of a confusion matrix must hold ${nc} non-negative counts.`,
          { row: g },
        );
      }
      cm.counts.set(row, g * nc);
    });
    return cm;
  }
}
