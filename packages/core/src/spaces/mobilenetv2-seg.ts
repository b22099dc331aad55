/**
 * MobileNetV2SpaceSeg (SPEC §1): 25 tokens, head_num then 6 x [multiply, filter_num, repeat,
 * k_size]. Decodes to 7 inverted-residual blocks with PaddleSlim's output-stride-16 walk.
 */
import { InvalidTokensError } from "../error-classes";
import type { Rng } from "../rng";
import type { SearchSpace, Tokens } from "../search-space";
import { validateTokens } from "./validate-tokens";

export const HEAD_NUM = [3, 4, 8, 12, 16, 24, 32] as const;
export const FILTER_NUM: readonly (readonly number[])[] = [
  [3, 4, 8, 12, 16, 24, 32, 48],
  [8, 12, 16, 24, 32, 48, 64, 80],
  [16, 24, 32, 48, 64, 80, 96, 128],
  [24, 32, 48, 64, 80, 96, 128, 144, 160, 192],
  [32, 48, 64, 80, 96, 128, 144, 160, 192, 224],
  [64, 80, 96, 128, 144, 160, 192, 224, 256, 320, 384, 512],
];
export const MULTIPLY = [1, 2, 3, 4, 6] as const;
export const REPEAT = [1, 2, 3, 4, 5, 6] as const;
export const K_SIZE = [3, 5] as const;
/** Strides of blocks 1..6 before the output-stride cap. */
export const BLOCK_STRIDES = [2, 2, 2, 1, 2, 1] as const;
export const STEM_CHANNELS = 32;
export const OUTPUT_STRIDE = 16;
/** The decoder shortcut is the depthwise output of this block's last unit (stride 4). */
export const SHORTCUT_BLOCK = 1;

/** One decoded backbone block: expansion t, channels c, units n, stride s, kernel k. */
export interface MbBlock {
  readonly t: number;
  readonly c: number;
  readonly n: number;
  readonly s: number;
  readonly k: number;
}

/** The plain-JSON architecture MobileNetV2SpaceSeg decodes to. */
export interface MobileNetV2SegArch {
  readonly space: "MobileNetV2SpaceSeg";
  readonly tokens: number[];
  readonly stemChannels: number;
  readonly outputStride: number;
  /** 7 blocks after the stride cap. */
  readonly blocks: MbBlock[];
}

const RANGE_TABLE: readonly number[] = [
  HEAD_NUM.length,
  ...FILTER_NUM.flatMap((f) => [MULTIPLY.length, f.length, REPEAT.length, K_SIZE.length]),
];
const TOKEN_NAMES: readonly string[] = [
  "head_num",
  ...[1, 2, 3, 4, 5, 6].flatMap((b) =>
    ["multiply", "filter_num", "repeat", "k_size"].map((f) => `block${b}.${f}`),
  ),
];
const INIT_TOKENS: Tokens = [4, 4, 5, 1, 0, 4, 4, 2, 0, 4, 4, 3, 0, 4, 5, 2, 0, 4, 7, 2, 0, 4, 9, 0, 0];

function indexOrThrow(list: readonly number[], value: number, what: string): number {
  const i = list.indexOf(value);
  if (i < 0) {
    throw new InvalidTokensError(
      `MobileNetV2SpaceSeg: ${what} = ${value} is not a candidate (allowed: ${list.join(", ")})`,
      { space: "MobileNetV2SpaceSeg", name: what, value },
    );
  }
  return i;
}

export class MobileNetV2SpaceSeg implements SearchSpace<MobileNetV2SegArch> {
  readonly name = "MobileNetV2SpaceSeg";
  readonly rangeTable = RANGE_TABLE;
  readonly tokenNames = TOKEN_NAMES;
  readonly initTokens = INIT_TOKENS;

  validate(tokens: unknown): asserts tokens is Tokens {
    validateTokens(this.name, this.rangeTable, this.tokenNames, tokens);
  }

  decode(tokens: Tokens): MobileNetV2SegArch {
    this.validate(tokens);
    // PaddleSlim's walk: the running stride (2 after the stem) is multiplied by each block's s;
    // a block that would take it past 16 gets s = 1, and the running stride is not reset.
    // (Plain loops: the server decodes every trial it hands out.)
    const blocks: MbBlock[] = [{ t: 1, c: HEAD_NUM[tokens[0] as number] as number, n: 1, s: 1, k: 3 }];
    let stride = 2;
    for (let b = 0; b < 6; b++) {
      const at = 1 + 4 * b;
      const s = BLOCK_STRIDES[b] as number;
      stride *= s;
      blocks.push({
        t: MULTIPLY[tokens[at] as number] as number,
        c: (FILTER_NUM[b] as readonly number[])[tokens[at + 1] as number] as number,
        n: REPEAT[tokens[at + 2] as number] as number,
        s: stride > OUTPUT_STRIDE ? 1 : s,
        k: K_SIZE[tokens[at + 3] as number] as number,
      });
    }
    return {
      space: "MobileNetV2SpaceSeg",
      tokens: tokens.slice(),
      stemChannels: STEM_CHANNELS,
      outputStride: OUTPUT_STRIDE,
      blocks,
    };
  }

  encode(arch: MobileNetV2SegArch): number[] {
    const [head, ...rest] = arch.blocks;
    if (!head || rest.length !== 6) {
      throw new InvalidTokensError("MobileNetV2SpaceSeg: an architecture has 7 blocks", {
        space: this.name,
      });
    }
    const tokens = [indexOrThrow(HEAD_NUM, head.c, "head_num")];
    rest.forEach((blk, b) => {
      tokens.push(
        indexOrThrow(MULTIPLY, blk.t, `block${b + 1}.multiply`),
        indexOrThrow(FILTER_NUM[b] as readonly number[], blk.c, `block${b + 1}.filter_num`),
        indexOrThrow(REPEAT, blk.n, `block${b + 1}.repeat`),
        indexOrThrow(K_SIZE, blk.k, `block${b + 1}.k_size`),
      );
    });
    return tokens;
  }

  sample(rng: Rng): number[] {
    return this.rangeTable.map((n) => rng.int(n));
  }

  format(tokens: Tokens): string {
    const arch = this.decode(tokens);
    return arch.blocks.map((b) => `(${b.t},${b.c},${b.n},${b.s},${b.k})`).join(" ");
  }
}
