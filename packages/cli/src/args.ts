/**
 * Shared parsing of command-line values. Every parser throws a SegnasError whose message names
 * the flag, the bad value and what a good one looks like, so commands never print a stack.
 */
import {
  DEEPLAB_HEADS,
  InvalidTokensError,
  NasBench201Space,
  SegnasError,
  type DeepLabHead,
  type SearchSpace,
} from "@segnas/core";

function badArgument(flag: string, value: unknown, message: string): never {
  throw new SegnasError("SEGNAS_E_BAD_ARGUMENT", `${flag} ${JSON.stringify(value)}: ${message}`, {
    name: flag,
    value,
  });
}

/** Largest side a size flag accepts (a sanity bound, far above any real crop). */
export const MAX_SIDE = 1 << 16;

/** "769x769" (also "769X769", "769*769", "769,769") or "769" for a square -> height and width. */
export function parseSize(text: string, flag = "--size"): { height: number; width: number } {
  const m = /^\s*(\d+)\s*(?:[xX*,]\s*(\d+)\s*)?$/.exec(String(text));
  if (!m) badArgument(flag, text, "not a size; use HEIGHTxWIDTH (e.g. 769x769) or one number for a square");
  const height = Number(m[1]);
  const width = m[2] === undefined ? height : Number(m[2]);
  for (const side of [height, width]) {
    if (side < 1 || side > MAX_SIDE) badArgument(flag, text, `each side must be between 1 and ${MAX_SIDE}`);
  }
  return { height, width };
}

/** A positive integer flag value (e.g. --classes 19). */
export function parsePositiveInt(text: unknown, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const s = String(text).trim();
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > max) {
    badArgument(flag, text, `expected an integer from 1 to ${max}`);
  }
  return Number(s);
}

/** One of plain | aspp | aspp-decoder | decoder. */
export function parseHead(text: unknown, flag = "--head"): DeepLabHead {
  const s = String(text).trim();
  if (!(DEEPLAB_HEADS as readonly string[]).includes(s)) {
    badArgument(flag, text, `expected one of ${DEEPLAB_HEADS.join(", ")}`);
  }
  return s as DeepLabHead;
}

/**
 * Tokens for a space: "init", "min", "max", or a comma/space separated list ("4,4,5,...",
 * brackets tolerated). For NasBench201 a cell string ("|nor_conv_3x3~0|+...") works too.
 * Validates against the space; every error names the position, the value and the range.
 */
export function parseTokensArg(space: SearchSpace, text: string): number[] {
  const s = String(text).trim();
  const key = s.toLowerCase();
  if (key === "init") return [...space.initTokens];
  if (key === "min") return space.rangeTable.map(() => 0);
  if (key === "max") return space.rangeTable.map((n) => n - 1);
  if (space instanceof NasBench201Space && s.includes("|")) return space.parse(s);
  const parts = s
    .replace(/^[[(]|[\])]$/g, "")
    .split(/[\s,]+/)
    .filter((p) => p !== "");
  const tokens = parts.map((part, position) => {
    if (/^-?\d+$/.test(part)) return Number(part);
    const name = space.tokenNames[position] ?? `#${position}`;
    const high = space.rangeTable[position];
    const range = high === undefined ? "" : `: allowed integers 0..${high - 1}`;
    throw new InvalidTokensError(
      `${space.name}: token ${position} (${name}) = ${JSON.stringify(part)} is not an integer${range}` +
        ` (or use init, min or max)`,
      { space: space.name, position, name, value: part, low: 0, high },
    );
  });
  space.validate(tokens);
  return tokens;
}
