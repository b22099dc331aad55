/**
 * Portable kxk convolution (the stem): patches are built by a forward conv with a constant
 * one-hot filter (XNNPACK, much faster than pads + slices), then the layer is the portable 1x1
 * op on the patches, so the weight gradient is a matMul. When x needs a gradient, tfjs's own
 * conv gradient w.r.t. the input (Conv2DBackpropInput, present on wasm and cpu) carries it
 * through the patch conv; the one-hot filter is a constant and gets none.
 */
import { tf } from "../backend/tf";
import { convGeometry, explicitPads } from "./padding";
import { pointwisePortable } from "./portable-pointwise";
import type { ConvOptions, LayerResult } from "./types";

const onehotCache = new Map<string, tf.Tensor4D>();

/** [k, k, cin, k*k*cin] with filter[i, j, c, (i*k + j)*cin + c] = 1 (matches w's reshape). */
function onehotFilter(kh: number, kw: number, cin: number): tf.Tensor4D {
  const key = `${tf.getBackend()}:${kh}x${kw}x${cin}`;
  const hit = onehotCache.get(key);
  if (hit && !hit.isDisposed) return hit;
  const depth = kh * kw * cin;
  const values = new Float32Array(kh * kw * cin * depth);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        const o = (i * kw + j) * cin + c;
        values[((i * kw + j) * cin + c) * depth + o] = 1;
      }
    }
  }
  const t = tf.keep(tf.tensor4d(values, [kh, kw, cin, depth]));
  onehotCache.set(key, t);
  return t;
}

export function convPortable(x: tf.Tensor4D, w: tf.Tensor4D, opts: ConvOptions): LayerResult {
  const [kh, kw, cin, cout] = w.shape;
  const stride = opts.stride ?? 1;
  if (kh === 1 && kw === 1 && stride === 1) return pointwisePortable(x, w, opts);
  if (x.shape[3] !== cin) throw new Error(`convPortable: weights ${w.shape} do not fit input ${x.shape}`);
  const g = convGeometry(x.shape, kh, kw, stride, 1);
  const patches = tf.conv2d(x, onehotFilter(kh, kw, cin), stride, explicitPads(g));
  const w1 = tf.reshape(w, [1, 1, kh * kw * cin, cout]) as tf.Tensor4D;
  return pointwisePortable(patches, w1, { ...opts, stride: 1 });
}
