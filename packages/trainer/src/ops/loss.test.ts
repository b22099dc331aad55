import { tf } from "../backend/tf";
import { heldBackwardTensorCount } from "./backward-store";
import { softmaxCrossEntropy } from "./loss";
import { relDiff, useCpuBackend } from "../testing/tf-test-util";

beforeAll(useCpuBackend);
afterEach(() => expect(heldBackwardTensorCount()).toBe(0));

/** Plain-ops reference: mean over valid pixels of -log softmax(z)[label]. */
function reference(z: tf.Tensor4D, labels: tf.Tensor, ignore: number): tf.Scalar {
  const k = z.shape[3];
  const flat = tf.reshape(z, [-1, k]);
  const lab = tf.reshape(labels, [-1]);
  const valid = tf.cast(tf.notEqual(lab, ignore), "float32");
  const logp = tf.logSoftmax(flat);
  const picked = tf.sum(
    tf.mul(logp, tf.cast(tf.oneHot(tf.cast(tf.mul(lab, tf.cast(valid, "int32")), "int32"), k), "float32")),
    1,
  );
  return tf.div(tf.neg(tf.sum(tf.mul(picked, valid))), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
}

describe("softmaxCrossEntropy", () => {
  it("equals the plain-ops loss and its gradient, ignoring label 255", () => {
    tf.tidy(() => {
      const z = tf.randomNormal([2, 5, 7, 4], 0, 2, "float32", 1) as tf.Tensor4D;
      const lv = new Int32Array(70).map((_, i) => (i % 6 === 0 ? 255 : i % 4));
      const labels = tf.tensor3d(lv, [2, 5, 7], "int32");
      const [ga] = tf.grads((a: tf.Tensor) => softmaxCrossEntropy(a as tf.Tensor4D, labels))([z]);
      const [gb] = tf.grads((a: tf.Tensor) => reference(a as tf.Tensor4D, labels, 255))([z]);
      expect(relDiff(softmaxCrossEntropy(z, labels), reference(z, labels, 255))).toBeLessThan(1e-6);
      expect(relDiff(ga as tf.Tensor, gb as tf.Tensor)).toBeLessThan(1e-6);
      // ignored pixels get no gradient
      const g = (ga as tf.Tensor).dataSync();
      for (let p = 0; p < 70; p++) if (p % 6 === 0) for (let c = 0; c < 4; c++) expect(g[p * 4 + c]).toBe(0);
    });
  });

  it("is 0 (not NaN) when every pixel is ignored, and checks the label count", () => {
    tf.tidy(() => {
      const z = tf.randomNormal([1, 2, 2, 3]) as tf.Tensor4D;
      const labels = tf.fill([1, 2, 2], 255, "int32");
      expect(softmaxCrossEntropy(z, labels).dataSync()[0]).toBe(0);
      expect(() => softmaxCrossEntropy(z, tf.zeros([1, 2, 3], "int32"))).toThrow(/labels/);
    });
  });
});
