/**
 * Custom-gradient versions of the glue ops between layers (resize, channel concat, residual
 * add, dropout mask). tfjs's autodiff would save (clone) their inputs just to read shapes, and
 * a clone is a full copy on wasm; these keep only what their gradient really needs.
 */
import { tf } from "../backend/tf";
import { holdForBackward as hold, releaseHeld } from "./backward-store";

/** Bilinear resize with align_corners = true (half-pixel centers off), NHWC. */
export function resizeBilinearAC(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  if (x.shape[1] === size[0] && x.shape[2] === size[1]) return x;
  const op = tf.customGrad((..._args: unknown[]) => {
    const hx = hold(x);
    return {
      value: tf.image.resizeBilinear(x, size, true),
      gradFunc: (dy: tf.Tensor4D) => {
        const [n, h, w, c] = x.shape;
        if (h === 1 || w === 1) {
          // tfjs-backend-webgpu 4.22's ResizeBilinearGrad is wrong when an input side is 1 (the
          // ASPP image-pool branch upsamples a 1x1 map). With align_corners a side of 1 and a
          // side of 2 holding equal values resize alike: take the gradient for side 2, then
          // sum the two copies. Same result on every backend.
          const th = h === 1 ? 2 : h;
          const tw = w === 1 ? 2 : w;
          const shapeOnly = tf.zeros([n, th, tw, c]);
          let g = tf.reshape(
            tf
              .engine()
              .runKernel(
                "ResizeBilinearGrad",
                { images: shapeOnly, dy },
                { alignCorners: true, halfPixelCenters: false },
              ) as tf.Tensor4D,
            [n, th, tw, c],
          );
          if (h === 1) g = tf.sum(g, 1, true);
          if (w === 1) g = tf.sum(g, 2, true);
          releaseHeld(hx);
          return g as tf.Tensor4D;
        }
        const g = tf
          .engine()
          .runKernel(
            "ResizeBilinearGrad",
            { images: hx, dy },
            { alignCorners: true, halfPixelCenters: false },
          ) as tf.Tensor4D;
        // tfjs-backend-cpu labels its result [N, W, H, C] (data is NHWC): restore the shape.
        const out = tf.reshape(g, x.shape);
        releaseHeld(hx);
        return out;
      },
    };
  });
  return op(x) as tf.Tensor4D;
}

/** Concatenation along the channel axis; the gradient splits dy. */
export function concatChannels(xs: tf.Tensor4D[]): tf.Tensor4D {
  const sizes = xs.map((t) => t.shape[3]);
  const op = tf.customGrad((..._args: unknown[]) => ({
    value: tf.concat(xs, 3) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D) => tf.split(dy, sizes, 3),
  }));
  return op(...xs) as tf.Tensor4D;
}

/** a + b for equal shapes (the residual shortcut). */
export function addSameShape(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((..._args: unknown[]) => ({
    value: tf.add(a, b) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D) => [dy, dy],
  }));
  return op(a, b) as tf.Tensor4D;
}

/** x * mask with a constant mask (dropout); the gradient is dy * mask. */
export function multiplyByMask(x: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((..._args: unknown[]) => {
    const hm = hold(mask);
    return {
      value: tf.mul(x, mask) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D) => {
        const g = tf.mul(dy, hm);
        releaseHeld(hm);
        return g;
      },
    };
  });
  return op(x) as tf.Tensor4D;
}

/** Global average over H and W, keeping dims: [N, H, W, C] -> [N, 1, 1, C]. */
export function globalMeanPool(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const op = tf.customGrad((..._args: unknown[]) => ({
    value: tf.mean(x, [1, 2], true) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D) => tf.mul(tf.div(dy, h * w), tf.ones([n, h, w, c])),
  }));
  return op(x) as tf.Tensor4D;
}
