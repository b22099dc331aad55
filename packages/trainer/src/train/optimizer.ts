/**
 * SGD with momentum and Adam, written out with Paddle's update rules (PaddleSeg's solver), with
 * L2 weight decay added to the gradient of the decayed variables only (PaddleSeg puts
 * L2Decay(0) on batch-norm parameters, so only convolution / matmul kernels decay). Own code
 * rather than tf.train.*: the learning rate changes every step and the state stays inspectable.
 */
import { tf } from "../backend/tf";
import { SegnasError } from "@segnas/core";

export type OptimizerName = "sgd" | "adam";

export interface OptimizerOptions {
  readonly name: OptimizerName;
  /** SOLVER.MOMENTUM: momentum for sgd, beta1 for adam. */
  readonly momentum: number;
  /** SOLVER.MOMENTUM2: beta2 for adam. */
  readonly momentum2: number;
  /** SOLVER.WEIGHT_DECAY: L2 coefficient added as `decay * w` to the gradient. */
  readonly weightDecay: number;
  /** Which variables decay; default: kernels (rank >= 2), not BN scale/offset or biases. */
  readonly decays?: (v: tf.Variable) => boolean;
  readonly epsilon?: number;
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Applies one update with learning rate `lr`; `grads` maps variable name -> gradient. */
  apply(vars: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void;
  dispose(): void;
}

/** Kernels (rank >= 2) decay; vectors (BN gamma/beta, biases) do not. */
export function decaysByDefault(v: tf.Variable): boolean {
  return v.rank >= 2;
}

export function createOptimizer(o: OptimizerOptions): Optimizer {
  if (o.name === "sgd") return new MomentumSgd(o);
  if (o.name === "adam") return new Adam(o);
  throw new SegnasError(
    "SEGNAS_E_CONFIG",
    `SOLVER.OPTIMIZER = ${JSON.stringify(o.name)} is not supported; use "sgd" or "adam"`,
  );
}

abstract class Base implements Optimizer {
  abstract readonly name: OptimizerName;
  protected readonly slots = new Map<string, tf.Variable[]>();
  protected readonly decays: (v: tf.Variable) => boolean;

  constructor(protected readonly o: OptimizerOptions) {
    this.decays = o.decays ?? decaysByDefault;
  }

  protected slotsFor(v: tf.Variable, count: number): tf.Variable[] {
    let s = this.slots.get(v.name);
    if (!s) {
      s = Array.from({ length: count }, () => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
      this.slots.set(v.name, s);
    }
    return s;
  }

  /** The gradient plus `weightDecay * w` for decayed variables (call inside tidy). */
  protected decayed(v: tf.Variable, g: tf.Tensor): tf.Tensor {
    return this.o.weightDecay > 0 && this.decays(v) ? tf.add(g, tf.mul(v, this.o.weightDecay)) : g;
  }

  abstract apply(vars: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void;

  dispose(): void {
    for (const s of this.slots.values()) s.forEach((t) => t.dispose());
    this.slots.clear();
  }
}

/** Paddle Momentum: `velocity = mu * velocity + g; w -= lr * velocity`. */
class MomentumSgd extends Base {
  readonly name = "sgd" as const;

  apply(vars: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void {
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) continue;
      const [vel] = this.slotsFor(v, 1) as [tf.Variable];
      tf.tidy(() => {
        const nv = tf.add(tf.mul(vel, this.o.momentum), this.decayed(v, g));
        vel.assign(nv);
        v.assign(tf.sub(v, tf.mul(nv, lr)));
      });
    }
  }
}

/** Paddle Adam (bias correction folded into the step size, epsilon scaled alike). */
class Adam extends Base {
  readonly name = "adam" as const;
  private t = 0;

  apply(vars: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
    const b1 = this.o.momentum;
    const b2 = this.o.momentum2;
    const eps = this.o.epsilon ?? 1e-8;
    const c2 = Math.sqrt(1 - Math.pow(b2, this.t));
    const lrT = (lr * c2) / (1 - Math.pow(b1, this.t));
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) continue;
      const [m, s] = this.slotsFor(v, 2) as [tf.Variable, tf.Variable];
      tf.tidy(() => {
        const gd = this.decayed(v, g);
        const nm = tf.add(tf.mul(m, b1), tf.mul(gd, 1 - b1));
        const ns = tf.add(tf.mul(s, b2), tf.mul(tf.square(gd), 1 - b2));
        m.assign(nm);
        s.assign(ns);
        v.assign(tf.sub(v, tf.mul(tf.div(nm, tf.add(tf.sqrt(ns), eps * c2)), lrT)));
      });
    }
  }
}
