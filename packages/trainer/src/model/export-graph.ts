/**
 * Export of a trained SegModel as a standard TensorFlow.js GraphModel (the format
 * tensorflowjs_converter writes): model.json holds a TensorFlow GraphDef of stock ops
 * (_FusedConv2D, FusedDepthwiseConv2dNative, ResizeBilinear with align_corners, Mean, ConcatV2,
 * AddV2) and weights.bin the constants, so plain `@tensorflow/tfjs` runs it with
 * `tf.loadGraphModel` / `tf.loadGraphModelSync` and no segnas code. A LayersModel cannot express
 * the network exactly: tfjs-layers has no align-corners bilinear resize.
 *
 * The graph is the inference path of SegModel.predict: BN folded into the conv weights and
 * biases (running statistics), ASPP dropout folded as its keep scale, the activation fused.
 * Resize targets are constants, so the graph has a fixed input size (any batch size).
 */
import { SHORTCUT_BLOCK } from "@segnas/core";
import { ModelError } from "./errors";
import { ASPP_KEEP_PROB, BN_EPSILON, buildPlan, weightShape, type LayerSpec } from "./plan";
import type { SegModel } from "./seg-model";

export const GRAPH_INPUT_NAME = "image";
export const GRAPH_OUTPUT_NAME = "logits";
export const GRAPH_WEIGHTS_FILE = "weights.bin";

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
}

export interface GraphModelJson {
  format: "graph-model";
  generatedBy: string;
  convertedBy: null;
  modelTopology: { node: GraphNode[]; library: Record<string, never>; versions: { producer: number } };
  weightsManifest: { paths: string[]; weights: ManifestEntry[] }[];
  signature: {
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  };
  userDefinedMetadata: Record<string, unknown>;
}

export interface GraphModelArtifacts {
  readonly json: GraphModelJson;
  /** weights.bin: the constants in manifest order (little-endian float32 / int32). */
  readonly weights: Buffer;
}

export interface GraphExportOptions {
  readonly height: number;
  readonly width: number;
  /** Free-form metadata stored as model.json's userDefinedMetadata. */
  readonly metadata?: Record<string, unknown>;
  readonly generatedBy?: string;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const ints = (v: number[]) => ({ list: { i: v.map(String) } });
const FLOAT = { type: "DT_FLOAT" };

/** Output size of a "same"-padded op with this stride. */
const same = (n: number, stride: number): number => Math.ceil(n / stride);

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly manifest: ManifestEntry[] = [];
  private readonly chunks: Buffer[] = [];
  private counter = 0;

  constant(name: string, values: Float32Array | Int32Array, shape: number[]): string {
    const dtype = values instanceof Int32Array ? "int32" : "float32";
    this.nodes.push({
      name,
      op: "Const",
      attr: {
        dtype: { type: dtype === "int32" ? "DT_INT32" : "DT_FLOAT" },
        value: {
          tensor: {
            dtype: dtype === "int32" ? "DT_INT32" : "DT_FLOAT",
            tensorShape: { dim: shape.map((d) => ({ size: String(d) })) },
          },
        },
      },
    });
    this.manifest.push({ name, shape, dtype });
    this.chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    return name;
  }

  op(name: string, op: string, input: string[], attr: Record<string, unknown>): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  /** A unique name for a helper constant. */
  fresh(base: string): string {
    return `${base}_${++this.counter}`;
  }

  weights(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Conv weights and bias with BN (running statistics) and the ASPP keep scale folded in. */
function foldLayer(
  l: LayerSpec,
  w: Record<string, Float32Array>,
): { filter: Float32Array; bias: Float32Array } {
  const weight = w[`${l.name}.weight`];
  if (!weight) throw new ModelError(`the model has no weight ${l.name}.weight`);
  if (!l.bn) {
    return {
      filter: Float32Array.from(weight),
      bias: Float32Array.from(w[`${l.name}.bias`] ?? new Float32Array(l.cout)),
    };
  }
  const get = (s: string): Float32Array => {
    const v = w[`${l.name}.bn.${s}`];
    if (!v) throw new ModelError(`the model has no weight ${l.name}.bn.${s}`);
    return v;
  };
  const [gamma, beta, mean, variance] = [get("gamma"), get("beta"), get("running_mean"), get("running_var")];
  const post = l.name === "aspp.concat" ? ASPP_KEEP_PROB : 1;
  const scale = new Float32Array(l.cout);
  const bias = new Float32Array(l.cout);
  for (let c = 0; c < l.cout; c++) {
    const s = (gamma[c] as number) / Math.sqrt((variance[c] as number) + BN_EPSILON);
    scale[c] = s * post;
    bias[c] = ((beta[c] as number) - (mean[c] as number) * s) * post;
  }
  // The output channel is the last axis for convs ([k, k, cin, cout]) and the input-channel axis
  // for depthwise ([k, k, c, 1]): in both layouts it is index % cout.
  const filter = new Float32Array(weight.length);
  for (let i = 0; i < weight.length; i++) filter[i] = (weight[i] as number) * (scale[i % l.cout] as number);
  return { filter, bias };
}

const ACT_OP: Record<LayerSpec["act"], string | null> = { relu6: "Relu6", relu: "Relu", none: null };

/**
 * The GraphModel (model.json object + weights.bin bytes) of a model at a fixed input size. The
 * weights are read asynchronously, so it works on every backend (webgpu has no synchronous reads).
 */
export async function graphModelArtifacts(
  model: SegModel,
  opts: GraphExportOptions,
): Promise<GraphModelArtifacts> {
  const { height, width } = opts;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new ModelError(`the export size must be positive integers, got ${width}x${height}`, {
      height,
      width,
    });
  }
  const plan = buildPlan(model.arch, model.classes, model.head);
  const weights = await model.readWeights();
  const g = new GraphBuilder();
  interface T {
    name: string;
    h: number;
    w: number;
    c: number;
  }

  const layer = (l: LayerSpec, x: T): T => {
    const { filter, bias } = foldLayer(l, weights);
    const f = g.constant(`${l.name}/filter`, filter, weightShape(l));
    const b = g.constant(`${l.name}/bias`, bias, [l.cout]);
    const act = ACT_OP[l.act];
    const attr: Record<string, unknown> = {
      T: FLOAT,
      strides: ints([1, l.stride, l.stride, 1]),
      padding: { s: b64("SAME") },
      data_format: { s: b64("NHWC") },
      dilations: ints(l.kind === "dwise" ? [1, l.dilation, l.dilation, 1] : [1, 1, 1, 1]),
      fused_ops: { list: { s: (act ? ["BiasAdd", act] : ["BiasAdd"]).map(b64) } },
      num_args: { i: "1" },
    };
    const op = l.kind === "dwise" ? "FusedDepthwiseConv2dNative" : "_FusedConv2D";
    g.op(l.name, op, [x.name, f, b], attr);
    return { name: l.name, h: same(x.h, l.stride), w: same(x.w, l.stride), c: l.cout };
  };
  const resize = (x: T, h: number, w: number, name: string): T => {
    if (x.h === h && x.w === w) return x;
    const size = g.constant(`${name}/size`, Int32Array.from([h, w]), [2]);
    g.op(name, "ResizeBilinear", [x.name, size], {
      T: FLOAT,
      align_corners: { b: true },
      half_pixel_centers: { b: false },
    });
    return { name, h, w, c: x.c };
  };
  const concat = (xs: T[], name: string): T => {
    const axis = g.constant(`${name}/axis`, Int32Array.from([3]), []);
    g.op(name, "ConcatV2", [...xs.map((x) => x.name), axis], { T: FLOAT, N: { i: String(xs.length) } });
    return { name, h: xs[0]?.h ?? 0, w: xs[0]?.w ?? 0, c: xs.reduce((a, x) => a + x.c, 0) };
  };

  g.op(GRAPH_INPUT_NAME, "Placeholder", [], {
    dtype: FLOAT,
    shape: { shape: { dim: [-1, height, width, 3].map((d) => ({ size: String(d) })) } },
  });
  let h = layer(plan.stem, { name: GRAPH_INPUT_NAME, h: height, w: width, c: 3 });
  let shortcut: T | undefined;
  plan.blocks.forEach((units, b) => {
    for (const u of units) {
      const e = layer(u.expand, h);
      const d = layer(u.dwise, e);
      const y = layer(u.linear, d);
      if (u.residual) {
        const name = g.op(`${u.linear.name}/add`, "AddV2", [y.name, h.name], { T: FLOAT });
        h = { ...y, name };
      } else h = y;
      if (b === SHORTCUT_BLOCK) shortcut = d;
    }
  });
  let enc = h;
  if (plan.aspp) {
    const axes = g.constant("aspp.image_pool/axes", Int32Array.from([1, 2]), [2]);
    const mean = g.op("aspp.image_pool/mean", "Mean", [enc.name, axes], {
      T: FLOAT,
      Tidx: { type: "DT_INT32" },
      keep_dims: { b: true },
    });
    const pooled = layer(plan.aspp.imagePool, { name: mean, h: 1, w: 1, c: enc.c });
    const branches = [resize(pooled, enc.h, enc.w, "aspp.image_pool/resize"), layer(plan.aspp.aspp0, enc)];
    for (const br of plan.aspp.branches) branches.push(layer(br.pointwise, layer(br.dwise, enc)));
    enc = layer(plan.aspp.concat, concat(branches, "aspp/concat"));
  }
  if (plan.decoder) {
    if (!shortcut) throw new ModelError("the decoder needs block1's shortcut");
    const s = layer(plan.decoder.shortcut, shortcut);
    let t = concat([resize(enc, s.h, s.w, "decoder/resize"), s], "decoder/concat");
    for (const sep of plan.decoder.sep) t = layer(sep.pointwise, layer(sep.dwise, t));
    enc = t;
  }
  const logits = resize(layer(plan.logit, enc), height, width, "logit/resize");
  g.op(GRAPH_OUTPUT_NAME, "Identity", [logits.name], { T: FLOAT });

  const tensorInfo = (name: string, dims: number[]) => ({
    name,
    dtype: "DT_FLOAT",
    tensorShape: { dim: dims.map((d) => ({ size: String(d) })) },
  });
  const json: GraphModelJson = {
    format: "graph-model",
    generatedBy: opts.generatedBy ?? "segnas",
    convertedBy: null,
    modelTopology: { node: g.nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: [GRAPH_WEIGHTS_FILE], weights: g.manifest }],
    signature: {
      inputs: { [GRAPH_INPUT_NAME]: tensorInfo(`${GRAPH_INPUT_NAME}:0`, [-1, height, width, 3]) },
      outputs: {
        [GRAPH_OUTPUT_NAME]: tensorInfo(`${GRAPH_OUTPUT_NAME}:0`, [-1, height, width, model.classes]),
      },
    },
    userDefinedMetadata: opts.metadata ?? {},
  };
  return { json, weights: g.weights() };
}
