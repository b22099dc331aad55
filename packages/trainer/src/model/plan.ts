/**
 * The layer recipe of the DeepLab + searched-MobileNetV2 network (SPEC §2), built independently
 * of core's cost model (checkModel compares the two). Names follow the cost model's:
 * stem, block{b}.unit{u}.{expand,dwise,linear}, aspp.*, decoder.*, logit.
 */
import {
  ASPP_RATES,
  DEEPLAB_HEADS,
  DECODER_SHORTCUT_CHANNELS,
  HEAD_CHANNELS,
  SHORTCUT_BLOCK,
  type DeepLabHead,
  type MobileNetV2SegArch,
} from "@segnas/core";
import type { Activation } from "../ops/primitives";
import { ModelError } from "./errors";

/** Paddle's BN momentum (running = m * running + (1 - m) * batch). */
export const BACKBONE_BN_MOMENTUM = 0.9;
export const HEAD_BN_MOMENTUM = 0.99;
export const BN_EPSILON = 1e-5;
/** fluid.layers.dropout(x, 0.9): keep probability 0.1, no rescaling in training. */
export const ASPP_KEEP_PROB = 0.1;

export interface LayerSpec {
  readonly name: string;
  readonly kind: "conv" | "dwise";
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  readonly dilation: number;
  readonly bias: boolean;
  readonly bn: boolean;
  readonly act: Activation;
  /** Paddle-style BN momentum (only when bn). */
  readonly bnMomentum: number;
}

export interface UnitPlan {
  readonly expand: LayerSpec;
  readonly dwise: LayerSpec;
  readonly linear: LayerSpec;
  readonly residual: boolean;
}

export interface ModelPlan {
  readonly head: DeepLabHead;
  readonly classes: number;
  readonly stem: LayerSpec;
  readonly blocks: UnitPlan[][];
  readonly aspp?: {
    readonly imagePool: LayerSpec;
    readonly aspp0: LayerSpec;
    readonly branches: { dwise: LayerSpec; pointwise: LayerSpec }[];
    readonly concat: LayerSpec;
  };
  readonly decoder?: {
    readonly shortcut: LayerSpec;
    readonly sep: { dwise: LayerSpec; pointwise: LayerSpec }[];
  };
  readonly logit: LayerSpec;
  /** Every layer in forward order. */
  readonly layers: LayerSpec[];
}

function conv(
  name: string,
  cin: number,
  cout: number,
  k: number,
  act: Activation,
  extra: Partial<LayerSpec> = {},
): LayerSpec {
  return {
    name,
    kind: "conv",
    cin,
    cout,
    k,
    stride: 1,
    dilation: 1,
    bias: false,
    bn: true,
    act,
    bnMomentum: BACKBONE_BN_MOMENTUM,
    ...extra,
  };
}

function dwise(
  name: string,
  c: number,
  k: number,
  act: Activation,
  extra: Partial<LayerSpec> = {},
): LayerSpec {
  return { ...conv(name, c, c, k, act, extra), kind: "dwise" };
}

export function validateModelOptions(arch: MobileNetV2SegArch, classes: number, head: DeepLabHead): void {
  if (!arch || !Array.isArray(arch.blocks) || arch.blocks.length !== 7) {
    throw new ModelError("the architecture must have 7 blocks (MobileNetV2SpaceSeg decode)", {
      blocks: arch?.blocks?.length,
    });
  }
  for (const [i, b] of arch.blocks.entries()) {
    for (const key of ["t", "c", "n", "s", "k"] as const) {
      if (!Number.isInteger(b[key]) || b[key] < 1) {
        throw new ModelError(`block ${i}: ${key} must be a positive integer, got ${JSON.stringify(b[key])}`, {
          block: i,
          key,
        });
      }
    }
  }
  if (!Number.isInteger(classes) || classes < 1 || classes > 255) {
    throw new ModelError(
      `classes must be an integer in 1..255 (255 is the ignore label), got ${JSON.stringify(classes)}`,
      { classes },
    );
  }
  if (!DEEPLAB_HEADS.includes(head)) {
    throw new ModelError(`head must be one of ${DEEPLAB_HEADS.join(", ")}, got ${JSON.stringify(head)}`, {
      head,
    });
  }
}

export function buildPlan(arch: MobileNetV2SegArch, classes: number, head: DeepLabHead): ModelPlan {
  validateModelOptions(arch, classes, head);
  const layers: LayerSpec[] = [];
  const add = (l: LayerSpec): LayerSpec => {
    layers.push(l);
    return l;
  };
  const stemChannels = arch.stemChannels ?? 32;
  const stem = add(conv("stem", 3, stemChannels, 3, "relu6", { stride: 2 }));
  let cin = stemChannels;
  let shortcutChannels = 0;
  const blocks = arch.blocks.map((blk, b) => {
    const units: UnitPlan[] = [];
    for (let u = 1; u <= blk.n; u++) {
      const name = `block${b}.unit${u}`;
      const mid = Math.round(cin * blk.t);
      const expand = add(conv(`${name}.expand`, cin, mid, 1, "relu6"));
      const dw = add(dwise(`${name}.dwise`, mid, blk.k, "relu6", { stride: u === 1 ? blk.s : 1 }));
      const linear = add(conv(`${name}.linear`, mid, blk.c, 1, "none"));
      units.push({ expand, dwise: dw, linear, residual: u > 1 });
      if (b === SHORTCUT_BLOCK) shortcutChannels = mid;
      cin = blk.c;
    }
    return units;
  });
  const withAspp = head === "aspp" || head === "aspp-decoder";
  const withDecoder = head === "decoder" || head === "aspp-decoder";
  const hm = { bnMomentum: HEAD_BN_MOMENTUM };
  let enc = cin;
  let aspp: ModelPlan["aspp"];
  if (withAspp) {
    const imagePool = add(conv("aspp.image_pool", enc, HEAD_CHANNELS, 1, "relu", hm));
    const aspp0 = add(conv("aspp.aspp0", enc, HEAD_CHANNELS, 1, "relu", hm));
    const branches = ASPP_RATES.map((rate, i) => ({
      dwise: add(dwise(`aspp.aspp${i + 1}.dwise`, enc, 3, "relu", { ...hm, dilation: rate })),
      pointwise: add(conv(`aspp.aspp${i + 1}.pointwise`, enc, HEAD_CHANNELS, 1, "relu", hm)),
    }));
    const concat = add(conv("aspp.concat", 5 * HEAD_CHANNELS, HEAD_CHANNELS, 1, "relu", hm));
    aspp = { imagePool, aspp0, branches, concat };
    enc = HEAD_CHANNELS;
  }
  let decoder: ModelPlan["decoder"];
  if (withDecoder) {
    const shortcut = add(
      conv("decoder.shortcut", shortcutChannels, DECODER_SHORTCUT_CHANNELS, 1, "relu", hm),
    );
    const c1 = enc + DECODER_SHORTCUT_CHANNELS;
    const sep = [
      {
        dwise: add(dwise("decoder.sep1.dwise", c1, 3, "relu", hm)),
        pointwise: add(conv("decoder.sep1.pointwise", c1, HEAD_CHANNELS, 1, "relu", hm)),
      },
      {
        dwise: add(dwise("decoder.sep2.dwise", HEAD_CHANNELS, 3, "relu", hm)),
        pointwise: add(conv("decoder.sep2.pointwise", HEAD_CHANNELS, HEAD_CHANNELS, 1, "relu", hm)),
      },
    ];
    decoder = { shortcut, sep };
    enc = HEAD_CHANNELS;
  }
  const logit = add(conv("logit", enc, classes, 1, "none", { bias: true, bn: false, bnMomentum: 0 }));
  return { head, classes, stem, blocks, aspp, decoder, logit, layers };
}

/** Shape of a layer's weight tensor: [k, k, cin, cout] for convs, [k, k, c, 1] for depthwise. */
export function weightShape(l: LayerSpec): [number, number, number, number] {
  return l.kind === "dwise" ? [l.k, l.k, l.cin, 1] : [l.k, l.k, l.cin, l.cout];
}

/** paddle_init_: N(0, sqrt(2 / (k*k*C_in))) with the full input channel count, also for depthwise. */
export function initStd(l: LayerSpec): number {
  return Math.sqrt(2 / (l.k * l.k * l.cin));
}
