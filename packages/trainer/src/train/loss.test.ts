// The training loss (ops' softmaxCrossEntropy) as the loop uses it: IGNORE_INDEX pixels masked,
// mean over valid pixels, gradient equal to finite differences, nothing left held.
import { tf } from "../backend/tf";
import { heldBackwardTensorCount, softmaxCrossEntropy } from "../ops";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

/** Reference: plain per-pixel cross-entropy averaged over non-ignored pixels. */
function reference(logits: number[][], labels: number[], ignore: number): number {
  let sum = 0;
  let n = 0;
  labels.forEach((c, i) => {
    if (c === ignore) return;
    const row = logits[i] as number[];
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    sum += lse - (row[c] as number);
    n++;
  });
  return sum / n;
}

describe("masked softmax cross-entropy (training loss)", () => {
  const C = 3;
  const labels = [0, 2, 255, 1, 255, 2];
  const rows = [
    [1, 2, 3],
    [0.5, -1, 2],
    [100, -100, 50], // ignored: must not matter
    [0, 0, 0],
    [7, 7, 7], // ignored
    [-2, 3, 1],
  ];
  const lab = () => tf.tensor3d(labels, [1, 2, 3], "int32");

  it("is the mean over valid pixels; ignored pixels change nothing and get zero gradient", () => {
    const logits = tf.tensor4d(rows.flat(), [1, 2, 3, C]);
    const loss = softmaxCrossEntropy(logits, lab(), { ignoreIndex: 255 });
    expect(loss.dataSync()[0]).toBeCloseTo(reference(rows, labels, 255), 5);

    const g = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor4D, lab(), { ignoreIndex: 255 }))(
      logits,
    );
    expect(heldBackwardTensorCount()).toBe(0);
    const gv = Array.from(g.dataSync());
    expect(gv.slice(6, 9)).toEqual([0, 0, 0]);
    expect(gv.slice(12, 15)).toEqual([0, 0, 0]);
    const eps = 1e-2;
    const bump = (d: number) => {
      const r = rows.map((x) => [...x]);
      (r[1] as number[])[0] = ((r[1] as number[])[0] as number) + d;
      return reference(r, labels, 255);
    };
    expect(gv[3]).toBeCloseTo((bump(eps) - bump(-eps)) / (2 * eps), 3);
  });

  it("a batch with only ignored pixels gives loss 0, not NaN", () => {
    const loss = softmaxCrossEntropy(
      tf.zeros([1, 1, 2, 2]) as tf.Tensor4D,
      tf.tensor3d([255, 255], [1, 1, 2], "int32"),
      {
        ignoreIndex: 255,
      },
    );
    expect(loss.dataSync()[0]).toBe(0);
  });
});
