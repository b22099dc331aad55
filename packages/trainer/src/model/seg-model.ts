/**
 * The DeepLab + searched-MobileNetV2 segmentation network (SPEC §2) in tfjs, NHWC.
 *
 * Training forward (forward(x, true)): batch-statistics BN; each conv + BN + activation is one
 * op of the active formulation (ops/: "native" on tfjs-node, "portable" custom-gradient ops on
 * wasm/cpu). The batch statistics are recorded and folded into the running averages by
 * updateBatchNormStats() (createTrainStep calls it after each step; a later forward or predict
 * applies any that are still pending), so the update is one small tidy outside the gradient tape.
 * Running averages follow Paddle: running = m * running + (1 - m) * batch, with the biased batch
 * variance, m = 0.9 in the backbone and 0.99 in the ASPP / decoder head.
 *
 * Inference (predict, or forward(x, false)): BN folded into the conv weights and biases, fused
 * conv / depthwise kernels with the activation fused in, ASPP dropout folded as its keep scale.
 *
 * Weights: trainable tf.Variables named `${layer}.weight`, `.bias`, `.bn.gamma`, `.bn.beta`
 * (tfjs variable names carry a per-model prefix so models can coexist); the running statistics
 * live in two flat non-trainable variables and are exported as `${layer}.bn.running_mean` /
 * `.bn.running_var`.
 */
import { Rng, SHORTCUT_BLOCK, type DeepLabHead, type MobileNetV2SegArch } from "@segnas/core";
import { tf } from "../backend/tf";
import { releaseBackwardTensors } from "../ops/backward-store";
import { formulationForBackend, getFormulation, type FormulationName } from "../ops/formulation";
import { addSameShape, concatChannels, globalMeanPool, multiplyByMask, resizeBilinearAC } from "../ops/glue";
import { fusedActivation } from "../ops/primitives";
import type { BatchStats } from "../ops/types";
import { ModelError } from "./errors";
import {
  ASPP_KEEP_PROB,
  BN_EPSILON,
  buildPlan,
  initStd,
  weightShape,
  type LayerSpec,
  type ModelPlan,
} from "./plan";

export interface BuildModelOptions {
  readonly classes: number;
  readonly head: DeepLabHead;
  /** Seed of the weight init (paddle_init_) and the ASPP dropout masks. Default 0. */
  readonly seed?: number;
  /** Layer formulation; default: native on the "tensorflow" backend, portable elsewhere. */
  readonly formulation?: FormulationName;
}

export interface ParamCount {
  /** Trainable parameters: conv weights, logit bias, BN gamma and beta. */
  readonly trainable: number;
  /** BN running mean + running variance entries. */
  readonly bnRunningStats: number;
}

export interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly trainable: boolean;
}

/** Weights by name (see WeightSpec for shapes); values are row-major float32. */
export type NamedWeights = Record<string, Float32Array>;

export interface SegModel {
  readonly arch: MobileNetV2SegArch;
  readonly classes: number;
  readonly head: DeepLabHead;
  readonly plan: ModelPlan;
  /** Forced formulation, or undefined to follow the active backend. */
  formulation: FormulationName | undefined;
  /** The trainable variables, in layer order (pass to tf.variableGrads / an optimizer). */
  readonly trainableVariables: tf.Variable[];
  /**
   * x: [N, H, W, 3] float32, already normalised ((pixel/255 - 0.5) / 0.5). Returns logits
   * [N, H, W, classes] at the input size. training = true: batch-statistics BN, dropout, and
   * the batch statistics are recorded (call once per gradient computation, inside
   * tf.variableGrads); training = false: same as predict (no gradients).
   */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
  /** Inference with BN folded into the weights and fused kernels. */
  predict(x: tf.Tensor4D): tf.Tensor4D;
  /**
   * Folds the batch statistics of the last training forward into the running averages
   * (Paddle momentum per layer; `{ momentum: 0 }` replaces them by the batch statistics, e.g. to
   * recalibrate BN on a batch). No-op when nothing is pending.
   */
  updateBatchNormStats(opts?: { momentum?: number }): void;
  paramCount(): ParamCount;
  weightSpecs(): WeightSpec[];
  /** Every weight as host arrays, read synchronously (cpu, wasm and tensorflow backends only). */
  getWeights(): NamedWeights;
  /** The same, read asynchronously: works on every backend, webgpu included. */
  readWeights(): Promise<NamedWeights>;
  setWeights(weights: NamedWeights): void;
  /** Writes model.json (topology + weightsManifest) and weights.bin into dir. */
  save(dir: string): Promise<void>;
  dispose(): void;
}

let modelCounter = 0;

interface Params {
  weight: tf.Variable;
  bias?: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  /** Offset of this layer's channels in the flat running-stat variables. */
  bnOffset: number;
}

type LayerFn = (l: LayerSpec, x: tf.Tensor4D, inputGrad: boolean) => tf.Tensor4D;

/** n draws of N(0, std^2): Box-Muller using both outputs of each pair (seeded by rng). */
function normals(n: number, std: number, rng: Rng): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.nextU32() / 4294967296;
    const t = (2 * Math.PI * rng.nextU32()) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    v[i] = r * Math.cos(t);
    if (i + 1 < n) v[i + 1] = r * Math.sin(t);
  }
  return v;
}

class SegModelImpl implements SegModel {
  readonly plan: ModelPlan;
  formulation: FormulationName | undefined;
  readonly trainableVariables: tf.Variable[] = [];
  private readonly params = new Map<string, Params>();
  private readonly prefix: string;
  private readonly bnLayers: LayerSpec[];
  private readonly runningMean: tf.Variable;
  private readonly runningVar: tf.Variable;
  private readonly momentum: tf.Tensor1D;
  private readonly dropoutRng: Rng;
  private pending: Map<string, BatchStats> | undefined;
  private disposed = false;
  /**
   * Folded inference weights, kept while the variables are unchanged: tfjs gives a variable a new
   * dataId on every assign, so comparing dataIds detects any update. Reusing the same filter
   * tensors also lets XNNPACK (wasm) reuse its packed operators across predict calls.
   */
  private foldedCache:
    { key: object[]; layers: Map<string, { filter: tf.Tensor4D; bias: tf.Tensor1D }> } | undefined;

  constructor(
    readonly arch: MobileNetV2SegArch,
    readonly classes: number,
    readonly head: DeepLabHead,
    seed: number,
    formulation: FormulationName | undefined,
  ) {
    this.plan = buildPlan(arch, classes, head);
    this.formulation = formulation;
    this.prefix = `segnas${++modelCounter}`;
    const rng = Rng.fromSeed(seed);
    const initRng = rng.fork();
    this.dropoutRng = rng.fork();
    let offset = 0;
    this.bnLayers = this.plan.layers.filter((l) => l.bn);
    const momentum: number[] = [];
    for (const l of this.plan.layers) {
      const shape = weightShape(l);
      const size = shape.reduce((a, b) => a * b, 1);
      const p: Params = {
        weight: this.variable(`${l.name}.weight`, tf.tensor(normals(size, initStd(l), initRng), shape)),
        bnOffset: offset,
      };
      if (l.bias) p.bias = this.variable(`${l.name}.bias`, tf.zeros([l.cout]));
      if (l.bn) {
        p.gamma = this.variable(`${l.name}.bn.gamma`, tf.ones([l.cout]));
        p.beta = this.variable(`${l.name}.bn.beta`, tf.zeros([l.cout]));
        offset += l.cout;
        for (let i = 0; i < l.cout; i++) momentum.push(l.bnMomentum);
      }
      this.params.set(l.name, p);
    }
    // tf.variable shares the initial tensor's data; dispose the initial tensor object itself.
    this.runningMean = tf.tidy(() =>
      tf.variable(tf.zeros([offset]), false, `${this.prefix}/bn.running_mean`),
    );
    this.runningVar = tf.tidy(() => tf.variable(tf.ones([offset]), false, `${this.prefix}/bn.running_var`));
    this.momentum = tf.keep(tf.tensor1d(momentum));
  }

  private variable(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true, `${this.prefix}/${name}`);
    init.dispose();
    this.trainableVariables.push(v);
    return v;
  }

  private param(name: string): Params {
    const p = this.params.get(name);
    if (!p) throw new ModelError(`no layer named ${name}`);
    return p;
  }

  private checkAlive(): void {
    if (this.disposed) throw new ModelError("the model was disposed");
  }

  private checkInput(x: tf.Tensor4D): void {
    if (x.rank !== 4 || x.shape[3] !== 3) {
      throw new ModelError(`input must be [N, H, W, 3] (NHWC RGB), got [${x.shape.join(", ")}]`, {
        shape: x.shape,
      });
    }
    if (x.dtype !== "float32") throw new ModelError(`input must be float32, got ${x.dtype}`);
  }

  // ---- the network graph, shared by training and inference --------------------------------

  private run(x: tf.Tensor4D, layer: LayerFn, dropout: (t: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
    const p = this.plan;
    let h = layer(p.stem, x, false);
    let shortcut: tf.Tensor4D | undefined;
    p.blocks.forEach((units, b) => {
      for (const u of units) {
        const e = layer(u.expand, h, true);
        const d = layer(u.dwise, e, true);
        const y = layer(u.linear, d, true);
        h = u.residual ? addSameShape(y, h) : y;
        if (b === SHORTCUT_BLOCK) shortcut = d; // the last unit of block1 wins
      }
    });
    let enc = h;
    if (p.aspp) {
      const [, eh, ew] = enc.shape;
      const pool = resizeBilinearAC(layer(p.aspp.imagePool, globalMeanPool(enc), true), [eh, ew]);
      const branches = [pool, layer(p.aspp.aspp0, enc, true)];
      for (const br of p.aspp.branches) branches.push(layer(br.pointwise, layer(br.dwise, enc, true), true));
      enc = dropout(layer(p.aspp.concat, concatChannels(branches), true));
    }
    if (p.decoder) {
      const s = layer(p.decoder.shortcut, shortcut as tf.Tensor4D, true);
      let t = concatChannels([resizeBilinearAC(enc, [s.shape[1], s.shape[2]]), s]);
      for (const sep of p.decoder.sep) t = layer(sep.pointwise, layer(sep.dwise, t, true), true);
      enc = t;
    }
    const logits = layer(p.logit, enc, true);
    return resizeBilinearAC(logits, [x.shape[1], x.shape[2]]);
  }

  // ---- training -----------------------------------------------------------------------------

  private activeFormulation(): FormulationName {
    return this.formulation ?? formulationForBackend(tf.getBackend());
  }

  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (!training) return this.predict(x);
    this.checkAlive();
    this.checkInput(x);
    // Tensors held by ops of an earlier forward whose gradient never ran (see backward-store).
    releaseBackwardTensors();
    this.updateBatchNormStats();
    const f = getFormulation(this.activeFormulation());
    const stats = new Map<string, BatchStats>();
    const layer: LayerFn = (l, input, inputGrad) => {
      const p = this.param(l.name);
      const bn = l.bn
        ? { gamma: p.gamma as tf.Tensor1D, beta: p.beta as tf.Tensor1D, epsilon: BN_EPSILON }
        : undefined;
      const r =
        l.kind === "conv"
          ? f.conv(input, p.weight as tf.Tensor4D, {
              stride: l.stride,
              bn,
              bias: p.bias as tf.Tensor1D | undefined,
              act: l.act,
              inputGrad,
            })
          : f.depthwise(input, p.weight as tf.Tensor4D, {
              stride: l.stride,
              dilation: l.dilation,
              bn,
              act: l.act,
            });
      if (r.stats) stats.set(l.name, r.stats);
      return r.y;
    };
    const dropout = (t: tf.Tensor4D): tf.Tensor4D => multiplyByMask(t, this.dropoutMask(t.shape));
    try {
      return this.run(x, layer, dropout);
    } finally {
      this.pending = stats;
    }
  }

  private dropoutMask(shape: [number, number, number, number]): tf.Tensor4D {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.dropoutRng.next() < ASPP_KEEP_PROB ? 1 : 0;
    return tf.tensor4d(v, shape);
  }

  updateBatchNormStats(opts: { momentum?: number } = {}): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    try {
      if (pending.size === 0 || this.disposed) return;
      const all = [...pending.values()];
      if (all.length === this.bnLayers.length && all.every((st) => st.mean instanceof Float32Array)) {
        this.updateRunningFromHost(pending, opts.momentum);
        return;
      }
      tf.tidy(() => {
        const means: tf.Tensor[] = [];
        const vars: tf.Tensor[] = [];
        // Portable ops report host arrays: gather consecutive ones into one upload.
        const asTensor = (v: tf.Tensor1D | Float32Array): tf.Tensor =>
          v instanceof Float32Array ? tf.tensor1d(v) : v;
        for (const l of this.bnLayers) {
          const s = pending.get(l.name);
          const off = this.param(l.name).bnOffset;
          // A layer without statistics (an interrupted forward) keeps its running values.
          means.push(s ? asTensor(s.mean) : tf.slice(this.runningMean, [off], [l.cout]));
          vars.push(s ? asTensor(s.variance) : tf.slice(this.runningVar, [off], [l.cout]));
        }
        const m = opts.momentum === undefined ? this.momentum : tf.scalar(opts.momentum);
        const keep = (run: tf.Variable, batch: tf.Tensor) =>
          run.assign(tf.add(tf.mul(run, m), tf.mul(batch, tf.sub(1, m))) as tf.Tensor1D);
        keep(this.runningMean, tf.concat(means));
        keep(this.runningVar, tf.concat(vars));
      });
    } finally {
      for (const s of pending.values()) tf.dispose([s.mean, s.variance]);
    }
  }

  /**
   * The same update, from host arrays: one read and one upload per running-stat vector. Only the
   * portable formulation reports host arrays, and it runs only on wasm and cpu, where this
   * synchronous read is a small copy (webgpu uses the native formulation: the tensor path).
   */
  private updateRunningFromHost(pending: Map<string, BatchStats>, momentum: number | undefined): void {
    const mom = this.momentum.dataSync();
    const run = [
      Float32Array.from(this.runningMean.dataSync()),
      Float32Array.from(this.runningVar.dataSync()),
    ];
    for (const l of this.bnLayers) {
      const st = pending.get(l.name) as BatchStats;
      const off = this.param(l.name).bnOffset;
      const batch = [st.mean as Float32Array, st.variance as Float32Array];
      for (let k = 0; k < 2; k++) {
        const r = run[k] as Float32Array;
        const b = batch[k] as Float32Array;
        for (let i = 0; i < l.cout; i++) {
          const m = momentum ?? (mom[off + i] as number);
          r[off + i] = m * (r[off + i] as number) + (1 - m) * (b[i] as number);
        }
      }
    }
    tf.tidy(() => {
      this.runningMean.assign(tf.tensor1d(run[0] as Float32Array));
      this.runningVar.assign(tf.tensor1d(run[1] as Float32Array));
    });
  }

  // ---- inference ----------------------------------------------------------------------------

  predict(x: tf.Tensor4D): tf.Tensor4D {
    this.checkAlive();
    this.checkInput(x);
    this.updateBatchNormStats();
    const folded = this.foldedWeights();
    return tf.tidy(() => {
      const layer: LayerFn = (l, input) => {
        const { filter, bias } = folded.get(l.name) as { filter: tf.Tensor4D; bias: tf.Tensor1D };
        const activation = fusedActivation(l.act);
        if (l.kind === "dwise") {
          return tf.fused.depthwiseConv2d({
            x: input,
            filter,
            strides: l.stride,
            pad: "same",
            dilations: l.dilation,
            bias,
            activation,
          });
        }
        return tf.fused.conv2d({ x: input, filter, strides: l.stride, pad: "same", bias, activation });
      };
      return this.run(x, layer, (t) => t);
    });
  }

  private weightKey(): object[] {
    const ids = this.trainableVariables.map((v) => v.dataId as object);
    ids.push(this.runningMean.dataId as object, this.runningVar.dataId as object);
    return ids;
  }

  private foldedWeights(): Map<string, { filter: tf.Tensor4D; bias: tf.Tensor1D }> {
    const key = this.weightKey();
    const cache = this.foldedCache;
    if (cache && cache.key.length === key.length && cache.key.every((k, i) => k === key[i]))
      return cache.layers;
    this.dropFoldedCache();
    const layers = new Map<string, { filter: tf.Tensor4D; bias: tf.Tensor1D }>();
    for (const l of this.plan.layers) {
      const f = tf.tidy(() => {
        const r = this.folded(l);
        return { filter: tf.add(r.filter, 0) as tf.Tensor4D, bias: r.bias };
      });
      layers.set(l.name, { filter: tf.keep(f.filter), bias: tf.keep(f.bias) });
    }
    this.foldedCache = { key, layers };
    return layers;
  }

  private dropFoldedCache(): void {
    if (!this.foldedCache) return;
    for (const f of this.foldedCache.layers.values()) tf.dispose([f.filter, f.bias]);
    this.foldedCache = undefined;
  }

  /** Conv weights and bias with the BN (running statistics) folded in. */
  private folded(l: LayerSpec): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    const p = this.param(l.name);
    if (!l.bn)
      return {
        filter: p.weight as tf.Tensor4D,
        bias: tf.add(p.bias ?? tf.zeros([l.cout]), 0) as tf.Tensor1D,
      };
    // ASPP dropout at inference scales by the keep probability; relu(z) * k = relu(k z), k > 0.
    const post = l.name === "aspp.concat" ? ASPP_KEEP_PROB : 1;
    const mean = tf.slice(this.runningMean, [p.bnOffset], [l.cout]);
    const variance = tf.slice(this.runningVar, [p.bnOffset], [l.cout]);
    const s = tf.mul(p.gamma as tf.Tensor, tf.rsqrt(tf.add(variance, BN_EPSILON)));
    const shape = l.kind === "dwise" ? [1, 1, l.cout, 1] : [1, 1, 1, l.cout];
    const filter = tf.mul(p.weight, tf.reshape(tf.mul(s, post), shape)) as tf.Tensor4D;
    const bias = tf.mul(tf.sub(p.beta as tf.Tensor, tf.mul(mean, s)), post) as tf.Tensor1D;
    return { filter, bias };
  }

  // ---- weights ------------------------------------------------------------------------------

  paramCount(): ParamCount {
    const trainable = this.trainableVariables.reduce((a, v) => a + v.size, 0);
    return { trainable, bnRunningStats: 2 * this.runningMean.size };
  }

  weightSpecs(): WeightSpec[] {
    const specs: WeightSpec[] = [];
    for (const l of this.plan.layers) {
      specs.push({ name: `${l.name}.weight`, shape: weightShape(l), trainable: true });
      if (l.bias) specs.push({ name: `${l.name}.bias`, shape: [l.cout], trainable: true });
      if (l.bn) {
        for (const s of ["gamma", "beta"])
          specs.push({ name: `${l.name}.bn.${s}`, shape: [l.cout], trainable: true });
        for (const s of ["running_mean", "running_var"])
          specs.push({ name: `${l.name}.bn.${s}`, shape: [l.cout], trainable: false });
      }
    }
    return specs;
  }

  getWeights(): NamedWeights {
    return this.collectWeights((t) => t.dataSync() as Float32Array);
  }

  async readWeights(): Promise<NamedWeights> {
    this.checkAlive();
    this.updateBatchNormStats();
    const tensors: tf.Tensor[] = [this.runningMean, this.runningVar];
    for (const l of this.plan.layers) {
      const p = this.param(l.name);
      tensors.push(p.weight);
      if (p.bias) tensors.push(p.bias);
      if (l.bn) tensors.push(p.gamma as tf.Variable, p.beta as tf.Variable);
    }
    const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
    const read = new Map(tensors.map((t, i) => [t, values[i] as Float32Array]));
    return this.collectWeights((t) => read.get(t) as Float32Array);
  }

  private collectWeights(read: (t: tf.Tensor) => Float32Array): NamedWeights {
    this.checkAlive();
    this.updateBatchNormStats();
    const out: NamedWeights = {};
    const rm = read(this.runningMean);
    const rv = read(this.runningVar);
    for (const l of this.plan.layers) {
      const p = this.param(l.name);
      out[`${l.name}.weight`] = Float32Array.from(read(p.weight));
      if (p.bias) out[`${l.name}.bias`] = Float32Array.from(read(p.bias));
      if (l.bn) {
        out[`${l.name}.bn.gamma`] = Float32Array.from(read(p.gamma as tf.Variable));
        out[`${l.name}.bn.beta`] = Float32Array.from(read(p.beta as tf.Variable));
        out[`${l.name}.bn.running_mean`] = Float32Array.from(rm.subarray(p.bnOffset, p.bnOffset + l.cout));
        out[`${l.name}.bn.running_var`] = Float32Array.from(rv.subarray(p.bnOffset, p.bnOffset + l.cout));
      }
    }
    return out;
  }

  setWeights(weights: NamedWeights): void {
    this.checkAlive();
    const specs = this.weightSpecs();
    const problems: string[] = [];
    for (const s of specs) {
      const v = weights[s.name];
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (!v) problems.push(`missing ${s.name}`);
      else if (!(v instanceof Float32Array) || v.length !== size)
        problems.push(`${s.name} has ${v.length} values, expected ${size} ([${s.shape.join(", ")}])`);
    }
    const known = new Set(specs.map((s) => s.name));
    for (const name of Object.keys(weights)) if (!known.has(name)) problems.push(`unexpected weight ${name}`);
    if (problems.length > 0) {
      throw new ModelError(
        `weights do not fit this model: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ""}`,
        {
          problems: problems.length,
        },
      );
    }
    // New weights replace any batch statistics still waiting to be folded in.
    if (this.pending) for (const st of this.pending.values()) tf.dispose([st.mean, st.variance]);
    this.pending = undefined;
    const rm = new Float32Array(this.runningMean.size);
    const rv = new Float32Array(this.runningVar.size);
    tf.tidy(() => {
      for (const l of this.plan.layers) {
        const p = this.param(l.name);
        p.weight.assign(tf.tensor(weights[`${l.name}.weight`] as Float32Array, p.weight.shape));
        if (p.bias) p.bias.assign(tf.tensor(weights[`${l.name}.bias`] as Float32Array, p.bias.shape));
        if (l.bn) {
          (p.gamma as tf.Variable).assign(tf.tensor(weights[`${l.name}.bn.gamma`] as Float32Array, [l.cout]));
          (p.beta as tf.Variable).assign(tf.tensor(weights[`${l.name}.bn.beta`] as Float32Array, [l.cout]));
          rm.set(weights[`${l.name}.bn.running_mean`] as Float32Array, p.bnOffset);
          rv.set(weights[`${l.name}.bn.running_var`] as Float32Array, p.bnOffset);
        }
      }
      this.runningMean.assign(tf.tensor1d(rm));
      this.runningVar.assign(tf.tensor1d(rv));
    });
  }

  async save(dir: string): Promise<void> {
    const { saveModel } = await import("./save-load");
    await saveModel(this, dir);
  }

  dispose(): void {
    if (this.disposed) return;
    this.updateBatchNormStats();
    this.disposed = true;
    this.dropFoldedCache();
    tf.dispose([...this.trainableVariables, this.runningMean, this.runningVar, this.momentum]);
  }
}

/** Builds the network for an architecture, head and class count, initialised as paddle_init_. */
export function buildModel(arch: MobileNetV2SegArch, opts: BuildModelOptions): SegModel {
  return new SegModelImpl(arch, opts.classes, opts.head, opts.seed ?? 0, opts.formulation);
}
