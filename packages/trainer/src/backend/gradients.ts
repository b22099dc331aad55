/**
 * Gradients for the tfjs kernels the trainer differentiates through with autodiff.
 *
 * tfjs-core registers no gradients by itself (the @tensorflow/tfjs bundle imports
 * register_all_gradients, shipped only as ES modules that Node 20 cannot require). We register
 * our own, each only when none is registered yet: when @tensorflow/tfjs-node is loaded it brings
 * @tensorflow/tfjs and silently overrides these with the official ones.
 *
 * The performance-critical layers use custom-gradient ops (ops/portable-*.ts); these cover the
 * glue (reshape, broadcasting arithmetic, reductions, concat, resize) and the "native"
 * formulation (conv kernels, plain-ops batch norm, spaceToBatch dilation).
 */
import * as tf from "@tensorflow/tfjs-core";

type GradFunc = (
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: Record<string, unknown>,
) => Record<string, () => tf.Tensor>;

interface Config {
  kernelName: string;
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  saveAllInputs?: boolean;
  gradFunc: GradFunc;
}

const { getReductionAxes, assertAndGetBroadcastShape } = tf.backend_util;

/** Sums dy over the axes `shape` was broadcast along, back to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = getReductionAxes(shape, outShape);
  const r = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(r, shape);
}

function binary(
  kernelName: string,
  da: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  db: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): Config {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(da(dy, a, b), a.shape, out),
        b: () => unbroadcast(db(dy, a, b), b.shape, out),
      };
    },
  };
}

function reductionShape(xShape: number[], axis: number | number[]): { expanded: number[]; count: number } {
  const axes = tf.util.parseAxisParam(axis, xShape);
  const expanded = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((a, i) => a * (xShape[i] as number), 1);
  return { expanded, count };
}

const float = (t: tf.Tensor): tf.Tensor => (t.dtype === "float32" ? t : tf.cast(t, "float32"));

const CONFIGS: Config[] = [
  {
    kernelName: "Reshape",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, (x as tf.Tensor).shape) }),
  },
  { kernelName: "Identity", gradFunc: (dy) => ({ x: () => float(dy) }) },
  { kernelName: "Cast", gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  binary(
    "Add",
    (dy) => dy,
    (dy) => dy,
  ),
  binary(
    "Sub",
    (dy) => dy,
    (dy) => tf.neg(dy),
  ),
  binary(
    "Multiply",
    (dy, _a, b) => tf.mul(dy, float(b)),
    (dy, a) => tf.mul(dy, float(a)),
  ),
  binary(
    "RealDiv",
    (dy, _a, b) => tf.div(dy, b),
    (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
  ),
  binary(
    "SquaredDifference",
    (dy, a, b) => tf.mul(dy, tf.mul(2, tf.sub(a, b))),
    (dy, a, b) => tf.mul(dy, tf.mul(-2, tf.sub(a, b))),
  ),
  { kernelName: "Neg", gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  {
    kernelName: "Square",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(2, x as tf.Tensor)) }),
  },
  {
    kernelName: "Rsqrt",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(dy, tf.mul(-0.5, tf.div(tf.rsqrt(x as tf.Tensor), x as tf.Tensor))),
    }),
  },
  {
    kernelName: "Relu",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(float(x as tf.Tensor))) }),
  },
  {
    kernelName: "Relu6",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({
      x: () =>
        tf.mul(dy, tf.mul(tf.step(x as tf.Tensor), tf.cast(tf.lessEqual(x as tf.Tensor, 6), "float32"))),
    }),
  },
  {
    kernelName: "Sum",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const xs = (x as tf.Tensor).shape;
      const { expanded } = reductionShape(xs, attrs.axis as number | number[]);
      return { x: () => tf.mul(tf.reshape(dy, expanded), tf.ones(xs)) };
    },
  },
  {
    kernelName: "Mean",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const xs = (x as tf.Tensor).shape;
      const { expanded, count } = reductionShape(xs, attrs.axis as number | number[]);
      return { x: () => tf.div(tf.mul(tf.reshape(dy, expanded), tf.ones(xs)), count) };
    },
  },
  {
    kernelName: "Concat",
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, (saved[0] as tf.Tensor).shape)[0] as number;
      const parts = tf.split(
        dy,
        saved.map((t) => t.shape[axis] as number),
        axis,
      );
      const out: Record<string, () => tf.Tensor> = {};
      parts.forEach((p, i) => (out[i] = () => p));
      return out;
    },
  },
  {
    kernelName: "Slice",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const xs = (x as tf.Tensor).shape;
      const begin = tf.slice_util.parseSliceParams(
        x as tf.Tensor,
        attrs.begin as number[],
        attrs.size as number[],
      )[0];
      const pads = xs.map(
        (d, i) =>
          [begin[i] as number, d - (begin[i] as number) - (dy.shape[i] as number)] as [number, number],
      );
      return { x: () => tf.pad(dy, pads) };
    },
  },
  {
    kernelName: "PadV2",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const pads = attrs.paddings as [number, number][];
      return {
        x: () =>
          tf.slice(
            dy,
            pads.map((p) => p[0]),
            (x as tf.Tensor).shape,
          ),
      };
    },
  },
  {
    kernelName: "SpaceToBatchND",
    gradFunc: (dy, _s, attrs) => ({
      x: () => tf.batchToSpaceND(dy, attrs.blockShape as number[], attrs.paddings as number[][]),
    }),
  },
  {
    kernelName: "BatchToSpaceND",
    gradFunc: (dy, _s, attrs) => ({
      x: () => tf.spaceToBatchND(dy, attrs.blockShape as number[], attrs.crops as number[][]),
    }),
  },
  {
    kernelName: "ResizeBilinear",
    inputsToSave: ["images"],
    gradFunc: (dy, [images], attrs) => ({
      // tfjs-backend-cpu labels its result [N, W, H, C] (data is NHWC): restore the shape.
      images: () =>
        tf.reshape(
          tf
            .engine()
            .runKernel(
              "ResizeBilinearGrad",
              { images: images as tf.Tensor, dy },
              attrs as never,
            ) as tf.Tensor,
          (images as tf.Tensor).shape,
        ),
    }),
  },
  {
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, [x, filter], attrs) => {
      const xt = x as tf.Tensor4D;
      const ft = filter as tf.Tensor4D;
      const dil = attrs.dilations as number | [number, number];
      if (!tf.backend_util.tupleValuesAreOne(dil)) throw new Error("Conv2D gradient: dilations must be 1");
      const common = {
        strides: attrs.strides,
        pad: attrs.pad,
        dataFormat: attrs.dataFormat,
        dimRoundingMode: attrs.dimRoundingMode,
      };
      return {
        x: () =>
          tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: ft }, {
            ...common,
            inputShape: xt.shape,
          } as never) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel("Conv2DBackpropFilter", { x: xt, dy }, {
            ...common,
            filterShape: ft.shape,
          } as never) as tf.Tensor,
      };
    },
  },
  {
    kernelName: "DepthwiseConv2dNative",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, [x, filter], attrs) => {
      const xt = x as tf.Tensor4D;
      const ft = filter as tf.Tensor4D;
      const dil = (attrs.dilations ?? 1) as number | [number, number];
      if (!tf.backend_util.tupleValuesAreOne(dil)) {
        throw new Error("DepthwiseConv2dNative gradient: dilations must be 1 (use spaceToBatchND)");
      }
      const common = {
        strides: attrs.strides,
        pad: attrs.pad,
        dilations: dil,
        dimRoundingMode: attrs.dimRoundingMode,
      };
      return {
        x: () =>
          tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: ft }, {
            ...common,
            inputShape: xt.shape,
          } as never) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x: xt, dy }, {
            ...common,
            filterShape: ft.shape,
          } as never) as tf.Tensor,
      };
    },
  },
];

let registered = false;

/** Registers the gradients above that no one has registered yet (idempotent). */
export function ensureGradients(): void {
  if (registered) return;
  registered = true;
  for (const config of CONFIGS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config as unknown as tf.GradConfig);
  }
}

/** Kernel names this module can supply a gradient for (for tests). */
export const GRADIENT_KERNELS: readonly string[] = CONFIGS.map((c) => c.kernelName);
