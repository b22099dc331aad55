/**
 * The analytic cost model of the DeepLab + searched-MobileNetV2 network (SPEC §2): parameter
 * and BN-statistics counts, PaddleSlim-style FLOPs and every conv layer's shape. It equals the
 * PyTorch reference (`../shared/reference/torch_segnet.py`) exactly; fixtures pin that.
 *
 * `layers` is the network's recipe, in forward (execution) order, one entry per convolution.
 * Every conv has "SAME" padding (out = ceil(in / stride), the odd extra pixel at the end) and no
 * bias except `logit`; `bn` says a BatchNorm (eps 1e-5) follows, then `act`. The names say how
 * the layers connect:
 *   stem                           3x3/2 conv on the image.
 *   block{b}.unit{u}.expand        1x1 (kept even when t = 1) on the unit's input,
 *   block{b}.unit{u}.dwise         kxk depthwise at the unit's stride,
 *   block{b}.unit{u}.linear        1x1, no activation; `residual` = add the unit's input after
 *                                  BN (units 2..n; unit 1 never, even if the shapes match).
 *                                  b = 0..6 as in SPEC §1 (block0 is the head_num block), u from 1.
 *   aspp.image_pool                1x1 on the global mean (a 1x1 map) of the backbone output,
 *                                  then bilinearly resized back to the backbone's size.
 *   aspp.aspp0                     1x1 on the backbone output.
 *   aspp.aspp{1,2,3}.dwise         3x3 depthwise, dilation 6 / 12 / 18, on the backbone output,
 *   aspp.aspp{1,2,3}.pointwise     then 1x1.
 *   aspp.concat                    1x1 on concat(image_pool, aspp0, aspp1, aspp2, aspp3) (in that
 *                                  channel order), then dropout (keep 0.1, training only).
 *   decoder.shortcut               1x1 on the shortcut (`shortcutLayer`: the last dwise of block1).
 *   decoder.sep1.dwise/.pointwise  separable conv on concat(encoder output resized to the shortcut
 *                                  size, decoder.shortcut) (encoder channels first).
 *   decoder.sep2.dwise/.pointwise  separable conv on sep1's output.
 *   logit                          1x1 with bias, no BN, on the head's output; its output is
 *                                  resized bilinearly (align_corners) to the input size.
 * The encoder output is the backbone output, or aspp.concat's output with ASPP. Resizes are
 * bilinear with align_corners = true.
 */
import { SegnasError } from "../errors";
import { SHORTCUT_BLOCK, type MobileNetV2SegArch } from "../spaces/mobilenetv2-seg";

/** Which DeepLab head sits on the backbone (PaddleSeg's ENCODER_WITH_ASPP x ENABLE_DECODER). */
export type DeepLabHead = "plain" | "aspp" | "aspp-decoder" | "decoder";
export const DEEPLAB_HEADS: readonly DeepLabHead[] = ["plain", "aspp", "aspp-decoder", "decoder"];

/** Channels of every ASPP and decoder conv. */
export const HEAD_CHANNELS = 256;
/** Channels the decoder's 1x1 reduces the shortcut to. */
export const DECODER_SHORTCUT_CHANNELS = 48;
/** ASPP dilation rates at output stride 16. */
export const ASPP_RATES = [6, 12, 18] as const;
export const STEM_STRIDE = 2;

export type ConvActivation = "relu6" | "relu" | "none";

/** One convolution of the network; see the module comment for how layers connect. */
export interface ConvLayer {
  readonly name: string;
  readonly cin: number;
  readonly cout: number;
  /** Square kernel size. */
  readonly k: number;
  readonly stride: number;
  readonly dilation: number;
  /** 1, or cin for a depthwise conv. */
  readonly groups: number;
  readonly bias: boolean;
  /** A BatchNorm (gamma, beta, running mean and variance) follows the conv. */
  readonly bn: boolean;
  /** ConvActivation after the BN (or after the conv when there is no BN). */
  readonly act: ConvActivation;
  /** Add the block unit's input after the BN (inverted-residual units 2..n, on `linear`). */
  readonly residual: boolean;
  readonly hIn: number;
  readonly wIn: number;
  readonly hOut: number;
  readonly wOut: number;
  /** Trainable parameters: weights, bias, BN gamma and beta. */
  readonly params: number;
  /** PaddleSlim FLOPs: hOut * wOut * cout * (k * k * cin / groups + bias). */
  readonly flops: number;
}

/** [height, width, channels]. */
export type FeatureShape = readonly [number, number, number];

export interface CostModelOptions {
  readonly height: number;
  readonly width: number;
  readonly classes: number;
  readonly head: DeepLabHead;
}

export interface ArchCost {
  /** Trainable parameters, including BN gamma/beta and the logit bias. */
  readonly params: number;
  /** BN running mean + running variance entries (not trainable). */
  readonly bnRunningStats: number;
  /** FLOPs per image, PaddleSlim's count (convolutions only). */
  readonly flops: number;
  /** Backbone output (block6's linear), stride 16. */
  readonly outputShape: FeatureShape;
  /** Decoder shortcut (block1's last depthwise output), stride 4. */
  readonly shortcutShape: FeatureShape;
  /** Name of the layer whose output (after BN + ReLU6) is the decoder shortcut. */
  readonly shortcutLayer: string;
  /** The logit conv's output, before the final resize to the input size. */
  readonly logitsShape: FeatureShape;
  /** Every convolution in forward order. */
  readonly layers: ConvLayer[];
}

/** The head PaddleSeg builds for MODEL.DEEPLAB.{ENCODER_WITH_ASPP, ENABLE_DECODER}. */
export function headFromFlags(encoderWithAspp: boolean, enableDecoder: boolean): DeepLabHead {
  if (encoderWithAspp) return enableDecoder ? "aspp-decoder" : "aspp";
  return enableDecoder ? "decoder" : "plain";
}

/** Inverse of headFromFlags. */
export function headFlags(head: DeepLabHead): { encoderWithAspp: boolean; enableDecoder: boolean } {
  return {
    encoderWithAspp: head === "aspp" || head === "aspp-decoder",
    enableDecoder: head === "decoder" || head === "aspp-decoder",
  };
}

function badArgument(message: string, data: Record<string, unknown>): never {
  throw new SegnasError("SEGNAS_E_BAD_ARGUMENT", message, data);
}

function checkOptions(opts: CostModelOptions): void {
  for (const key of ["height", "width", "classes"] as const) {
    const v = opts[key];
    if (!Number.isInteger(v) || v < 1) {
      badArgument(`cost model: ${key} must be a positive integer, got ${JSON.stringify(v)}`, {
        name: key,
        value: v,
      });
    }
  }
  if (!DEEPLAB_HEADS.includes(opts.head)) {
    badArgument(
      `cost model: head must be one of ${DEEPLAB_HEADS.join(", ")}, got ${JSON.stringify(opts.head)}`,
      {
        name: "head",
        value: opts.head,
      },
    );
  }
}

interface ConvSpec {
  name: string;
  cout: number;
  k: number;
  stride?: number;
  dilation?: number;
  depthwise?: boolean;
  bias?: boolean;
  bn?: boolean;
  act: ConvActivation;
  residual?: boolean;
}

/** Builds the layer list of the whole network; shapes flow through a small cursor. */
class Recipe {
  readonly layers: ConvLayer[] = [];

  conv(input: FeatureShape, spec: ConvSpec): FeatureShape {
    const [hIn, wIn, cin] = input;
    const stride = spec.stride ?? 1;
    const groups = spec.depthwise ? cin : 1;
    const cout = spec.depthwise ? cin : spec.cout;
    const bias = spec.bias ?? false;
    const bn = spec.bn ?? true;
    const hOut = Math.ceil(hIn / stride);
    const wOut = Math.ceil(wIn / stride);
    const perOutput = (spec.k * spec.k * cin) / groups;
    this.layers.push({
      name: spec.name,
      cin,
      cout,
      k: spec.k,
      stride,
      dilation: spec.dilation ?? 1,
      groups,
      bias,
      bn,
      act: spec.act,
      residual: spec.residual ?? false,
      hIn,
      wIn,
      hOut,
      wOut,
      params: perOutput * cout + (bias ? cout : 0) + (bn ? 2 * cout : 0),
      flops: hOut * wOut * cout * (perOutput + (bias ? 1 : 0)),
    });
    return [hOut, wOut, cout];
  }

  /** PaddleSeg's separate_conv: 3x3 depthwise (dilated) + BN + ReLU, 1x1 + BN + ReLU. */
  sepConv(input: FeatureShape, name: string, cout: number, dilation = 1): FeatureShape {
    const d = this.conv(input, {
      name: `${name}.dwise`,
      cout: 0,
      k: 3,
      dilation,
      depthwise: true,
      act: "relu",
    });
    return this.conv(d, { name: `${name}.pointwise`, cout, k: 1, act: "relu" });
  }
}

/** Counts and layer list of the network for one architecture, input size, class count and head. */
export function costModel(arch: MobileNetV2SegArch, opts: CostModelOptions): ArchCost {
  checkOptions(opts);
  const { encoderWithAspp, enableDecoder } = headFlags(opts.head);
  const r = new Recipe();

  // Backbone.
  let x = r.conv([opts.height, opts.width, 3], {
    name: "stem",
    cout: arch.stemChannels,
    k: 3,
    stride: STEM_STRIDE,
    act: "relu6",
  });
  let shortcut: FeatureShape | undefined;
  let shortcutLayer = "";
  arch.blocks.forEach((blk, b) => {
    for (let u = 1; u <= blk.n; u++) {
      const name = `block${b}.unit${u}`;
      // round(cin * t) in the reference; t is an integer here, so this is exact.
      const mid = Math.round(x[2] * blk.t);
      const e = r.conv(x, { name: `${name}.expand`, cout: mid, k: 1, act: "relu6" });
      const d = r.conv(e, {
        name: `${name}.dwise`,
        cout: mid,
        k: blk.k,
        stride: u === 1 ? blk.s : 1,
        depthwise: true,
        act: "relu6",
      });
      x = r.conv(d, { name: `${name}.linear`, cout: blk.c, k: 1, act: "none", residual: u > 1 });
      if (b === SHORTCUT_BLOCK) {
        shortcut = d;
        shortcutLayer = `${name}.dwise`;
      }
    }
  });
  const outputShape = x;
  if (!shortcut) {
    throw new SegnasError("SEGNAS_E_MODEL", `cost model: the architecture has no block ${SHORTCUT_BLOCK}`, {
      blocks: arch.blocks.length,
    });
  }

  // ASPP on the backbone output.
  let enc: FeatureShape = outputShape;
  if (encoderWithAspp) {
    const pool = r.conv([1, 1, enc[2]], { name: "aspp.image_pool", cout: HEAD_CHANNELS, k: 1, act: "relu" });
    const branches = [
      pool,
      r.conv(enc, { name: "aspp.aspp0", cout: HEAD_CHANNELS, k: 1, act: "relu" }),
      ...ASPP_RATES.map((rate, i) => r.sepConv(enc, `aspp.aspp${i + 1}`, HEAD_CHANNELS, rate)),
    ];
    const concat = branches.reduce((c, s) => c + s[2], 0);
    enc = r.conv([enc[0], enc[1], concat], { name: "aspp.concat", cout: HEAD_CHANNELS, k: 1, act: "relu" });
  }

  // Decoder at the shortcut's size.
  if (enableDecoder) {
    const s = r.conv(shortcut, {
      name: "decoder.shortcut",
      cout: DECODER_SHORTCUT_CHANNELS,
      k: 1,
      act: "relu",
    });
    const sep1 = r.sepConv([s[0], s[1], enc[2] + s[2]], "decoder.sep1", HEAD_CHANNELS);
    enc = r.sepConv(sep1, "decoder.sep2", HEAD_CHANNELS);
  }

  const logitsShape = r.conv(enc, {
    name: "logit",
    cout: opts.classes,
    k: 1,
    bias: true,
    bn: false,
    act: "none",
  });
  const layers = r.layers;
  return {
    params: layers.reduce((a, l) => a + l.params, 0),
    bnRunningStats: layers.reduce((a, l) => a + (l.bn ? 2 * l.cout : 0), 0),
    flops: layers.reduce((a, l) => a + l.flops, 0),
    outputShape,
    shortcutShape: shortcut,
    shortcutLayer,
    logitsShape,
    layers,
  };
}
