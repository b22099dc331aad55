/**
 * Proves a backend can train: a tiny network (stem conv + BN + ReLU6, stride-2 depthwise + BN,
 * dilated depthwise, 1x1 + BN, logit with bias, bilinear resize, masked softmax loss) runs a
 * forward and a backward pass on it, and its loss and gradients must equal the pure-JS cpu
 * backend's to 1e-3. Catches missing kernels, missing gradients and broken native installs.
 */
import { releaseBackwardTensors } from "../ops/backward-store";
import { getFormulation, type FormulationName } from "../ops/formulation";
import { softmaxCrossEntropy } from "../ops/loss";
import { tf } from "./tf";

interface ProbeResult {
  loss: number;
  grads: Float32Array[];
}

function det(shape: number[], seed: number, scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = scale * Math.sin(seed * 12.9898 + i * 78.233);
  return tf.tensor(v, shape);
}

async function runProbe(formulation: FormulationName): Promise<ProbeResult> {
  const f = getFormulation(formulation);
  // Computed in a tidy, read afterwards with async reads: a synchronous read of GPU data throws
  // on webgpu in Node (no OffscreenCanvas).
  const outs = tf.tidy(() => {
    const x = det([2, 9, 11, 3], 1, 1) as tf.Tensor4D;
    const labelValues = new Int32Array(2 * 9 * 11).map((_, i) => (i % 7 === 0 ? 255 : i % 3));
    const labels = tf.tensor3d(labelValues, [2, 9, 11], "int32");
    const vars = [
      det([3, 3, 3, 4], 2, 0.5),
      det([4], 3, 0.1),
      det([4], 4, 0.1),
      det([3, 3, 4, 1], 5, 0.5),
      det([3, 3, 4, 1], 6, 0.5),
      det([1, 1, 4, 5], 7, 0.5),
      det([1, 1, 5, 3], 8, 0.5),
      det([3], 9, 0.1),
    ].map((t) => tf.variable(t, true));
    const [w0, g0, b0, dw1, dw2, pw, lw, lb] = vars as tf.Variable[];
    const { grads, value } = tf.variableGrads(() => {
      const bn4 = {
        gamma: tf.add(1, g0 as tf.Tensor) as tf.Tensor1D,
        beta: b0 as tf.Tensor1D,
        epsilon: 1e-5,
      };
      const bn5 = { gamma: tf.ones([5]) as tf.Tensor1D, beta: tf.zeros([5]) as tf.Tensor1D, epsilon: 1e-5 };
      const results = [] as {
        stats?: { mean: tf.Tensor | Float32Array; variance: tf.Tensor | Float32Array };
      }[];
      const r1 = f.conv(x, w0 as tf.Tensor4D, { stride: 2, bn: bn4, act: "relu6", inputGrad: false });
      const r2 = f.depthwise(r1.y, dw1 as tf.Tensor4D, { stride: 2, bn: bn4, act: "relu6" });
      const r3 = f.depthwise(r2.y, dw2 as tf.Tensor4D, { dilation: 2, bn: bn4, act: "relu" });
      const r4 = f.conv(r3.y, pw as tf.Tensor4D, { bn: bn5, act: "none" });
      const r5 = f.conv(r4.y, lw as tf.Tensor4D, { bias: lb as tf.Tensor1D, act: "none" });
      results.push(r1, r2, r3, r4, r5);
      for (const r of results) tf.dispose([r.stats?.mean, r.stats?.variance]);
      const logits = tf.image.resizeBilinear(r5.y, [9, 11], true);
      return softmaxCrossEntropy(logits, labels);
    }, vars);
    const out = [value, ...vars.map((v) => grads[v.name] as tf.Tensor)];
    vars.forEach((v) => v.dispose());
    return out;
  });
  try {
    const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    return { loss: (values[0] as Float32Array)[0] as number, grads: values.slice(1) };
  } finally {
    tf.dispose(outs);
  }
}

let cpuReference: ProbeResult | undefined;

function compare(a: ProbeResult, ref: ProbeResult): string | undefined {
  const bad = (x: number, y: number) =>
    !Number.isFinite(x) || Math.abs(x - y) > 1e-3 * Math.max(1, Math.abs(y));
  if (bad(a.loss, ref.loss)) return `loss ${a.loss} differs from the cpu backend's ${ref.loss}`;
  for (let i = 0; i < ref.grads.length; i++) {
    const g = a.grads[i] as Float32Array;
    const r = ref.grads[i] as Float32Array;
    let scale = 1;
    for (const v of r) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < r.length; j++) {
      if (!Number.isFinite(g[j] as number) || Math.abs((g[j] as number) - (r[j] as number)) > 1e-3 * scale) {
        return `gradient ${i} differs from the cpu backend's (${g[j]} vs ${r[j]})`;
      }
    }
  }
  return undefined;
}

/**
 * Runs the probe on the current backend with `formulation` and compares it with the cpu
 * backend (computed once per process; switches to cpu and back). Returns undefined when it
 * passes, else the reason.
 */
export async function probeCurrentBackend(formulation: FormulationName): Promise<string | undefined> {
  const name = tf.getBackend();
  let result: ProbeResult;
  try {
    result = await runProbe(formulation);
  } catch (err) {
    releaseBackwardTensors();
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return `a training step failed on it: ${msg}`;
  }
  if (!cpuReference) {
    if (name === "cpu") {
      cpuReference = await runProbe("native");
    } else {
      await tf.setBackend("cpu");
      try {
        cpuReference = await runProbe("native");
      } finally {
        await tf.setBackend(name);
      }
    }
  }
  return compare(result, cpuReference);
}
