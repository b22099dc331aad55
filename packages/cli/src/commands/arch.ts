/**
 * `segnas arch`: decode tokens and print the architecture with its analytic cost (params, BN
 * running stats, PaddleSlim FLOPs, shapes), or one JSON object with --json. Bad input is a
 * typed error (exit 2), never a stack trace.
 */
import type { Argv, CommandModule } from "yargs";
import {
  costModel,
  getSpace,
  MobileNetV2SpaceSeg,
  NasBench201Space,
  type ArchCost,
  type ConvLayer,
  type DeepLabHead,
  type FeatureShape,
  type MobileNetV2SegArch,
  type Nb201Arch,
} from "@segnas/core";
import { parseHead, parsePositiveInt, parseSize, parseTokensArg } from "../args";
import { formatCount, formatFlops, formatTable } from "../format";

interface ArchArgs {
  space: string;
  tokens: string;
  size: string;
  classes: string;
  head: string;
  json: boolean;
  layers: boolean;
}

/** Label 255 is the ignore index, so at most 255 classes. */
const MAX_CLASSES = 255;

const shape = (s: FeatureShape): string => s.join("x");

function mobileNetReport(
  arch: MobileNetV2SegArch,
  cost: ArchCost,
  input: Record<string, unknown>,
  layers: boolean,
) {
  return {
    space: arch.space,
    tokens: arch.tokens,
    blocks: arch.blocks,
    input,
    params: cost.params,
    bnRunningStats: cost.bnRunningStats,
    flops: cost.flops,
    outputShape: cost.outputShape,
    shortcutShape: cost.shortcutShape,
    shortcutLayer: cost.shortcutLayer,
    logitsShape: cost.logitsShape,
    ...(layers ? { layers: cost.layers } : {}),
  };
}

function layerTable(layers: ConvLayer[]): string {
  return formatTable(
    [
      ["layer", "cin", "cout", "k", "s", "d", "groups", "out", "params", "flops"],
      ...layers.map((l) => [
        l.name,
        l.cin,
        l.cout,
        l.k,
        l.stride,
        l.dilation,
        l.groups,
        `${l.hOut}x${l.wOut}`,
        formatCount(l.params),
        formatCount(l.flops),
      ]),
    ],
    "  ",
    1,
  );
}

function printMobileNet(
  arch: MobileNetV2SegArch,
  cost: ArchCost,
  opts: { height: number; width: number; classes: number; head: DeepLabHead },
  layers: boolean,
): string {
  const blocks = formatTable([
    ["block", "t", "c", "n", "s", "k"],
    ...arch.blocks.map((b, i) => [i, b.t, b.c, b.n, b.s, b.k]),
  ]);
  const lines = [
    `space     ${arch.space}`,
    `tokens    ${arch.tokens.join(",")}`,
    `input     ${opts.height}x${opts.width}x3, ${opts.classes} classes, head ${opts.head}`,
    `blocks    (stem: 3x3/2 conv, ${arch.stemChannels} channels)`,
    blocks,
    `params    ${formatCount(cost.params)} trainable (incl. BN gamma/beta and the logit bias)`,
    `BN stats  ${formatCount(cost.bnRunningStats)} running mean/variance entries (not trainable)`,
    `FLOPs     ${cost.flops} (${formatFlops(cost.flops)}) per image, conv layers, PaddleSlim's count`,
    `backbone  ${shape(cost.outputShape)} (HxWxC, stride ${arch.outputStride})`,
    `shortcut  ${shape(cost.shortcutShape)} (stride 4, ${cost.shortcutLayer}; used by the decoder)`,
    `logits    ${shape(cost.logitsShape)} (resized to ${opts.height}x${opts.width})`,
  ];
  if (layers)
    lines.push(`layers    ${cost.layers.length} convolutions, forward order`, layerTable(cost.layers));
  return lines.join("\n") + "\n";
}

function printNb201(arch: Nb201Arch): string {
  return (
    [
      `space     ${arch.space}`,
      `tokens    ${arch.tokens.join(",")}`,
      `cell      ${arch.cell}`,
      `edges`,
      formatTable([["edge", "op"], ...arch.edges.map((e) => [`${e.from}->${e.to}`, e.op])], "  ", 1),
    ].join("\n") + "\n"
  );
}

export const archCommand: CommandModule<object, ArchArgs> = {
  command: "arch",
  describe: "Decode tokens and show the architecture, its parameters, FLOPs and shapes",
  builder: (y: Argv) =>
    y
      .option("space", {
        type: "string",
        default: "MobileNetV2SpaceSeg",
        describe: "search space (MobileNetV2SpaceSeg or NasBench201)",
      })
      .option("tokens", {
        type: "string",
        default: "init",
        describe: "comma-separated tokens, or init, min, max (NasBench201: also a cell string)",
      })
      .option("size", {
        type: "string",
        default: "769x769",
        describe: "input HxW, or one number for a square",
      })
      .option("classes", {
        type: "string",
        default: "19",
        describe: "number of classes (DATASET.NUM_CLASSES)",
      })
      .option("head", {
        type: "string",
        default: "plain",
        describe: "DeepLab head: plain | aspp | aspp-decoder | decoder",
      })
      .option("layers", { type: "boolean", default: false, describe: "also list every conv layer" })
      .option("json", { type: "boolean", default: false, describe: "print one JSON object" })
      .example("$0 arch --tokens init --size 96x128 --classes 11", "")
      .example("$0 arch --space NasBench201 --tokens 3,3,3,3,3,3", "") as unknown as Argv<ArchArgs>,
  handler: (args) => {
    const space = getSpace(String(args.space));
    const tokens = parseTokensArg(space, String(args.tokens));
    let out: string;
    if (space instanceof NasBench201Space) {
      const arch = space.decode(tokens);
      out = args.json ? JSON.stringify(arch) + "\n" : printNb201(arch);
    } else if (space instanceof MobileNetV2SpaceSeg) {
      const { height, width } = parseSize(args.size);
      const classes = parsePositiveInt(args.classes, "--classes", MAX_CLASSES);
      const head = parseHead(args.head);
      const arch = space.decode(tokens);
      const opts = { height, width, classes, head };
      const cost = costModel(arch, opts);
      out = args.json
        ? JSON.stringify(mobileNetReport(arch, cost, opts, args.layers)) + "\n"
        : printMobileNet(arch, cost, opts, args.layers);
    } else {
      const arch = space.decode(tokens);
      out = args.json ? JSON.stringify(arch) + "\n" : `space     ${space.name}\n${space.format(tokens)}\n`;
    }
    process.stdout.write(out);
  },
};
