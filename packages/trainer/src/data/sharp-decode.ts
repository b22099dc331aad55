/**
 * Native decoding through sharp (libvips, libpng/libspng, libjpeg-turbo), for Cityscapes-sized
 * inputs where the pure-JS decoders cannot feed a GPU (2048x1024: pngjs ~190 ms, jpeg-js ~380 ms
 * per image on one core; sharp 40-60 ms and ~17 ms; see docs/data.md). sharp is an ordinary
 * dependency whose prebuilt libvips comes as npm packages (@img/sharp-linux-x64, ...), nothing is
 * downloaded at install; where it cannot load (no prebuilt for the platform) the pure-JS path
 * in decode.ts is used instead, and so it is for the rare kinds that sharp would read
 * differently (16-bit PNGs).
 *
 * Equivalence with decode.ts: PNG is lossless, so images and labels decode to the same bytes;
 * JPEG decoders may differ in IDCT and chroma upsampling, by a few levels at colour edges
 * (decode-equivalence.test.ts states the tolerance). Colour profiles are ignored (`ignoreIcc`)
 * and EXIF orientation is not applied, exactly like pngjs/jpeg-js.
 *
 * Only decoding happens here: resizing, cropping and flipping stay in augment.ts (one pass over
 * the crop window, OpenCV INTER_LINEAR / INTER_NEAREST_EXACT semantics), so the augmentation does
 * not depend on which decoder ran.
 */
import type { LabelImage, RgbImage } from "./decode";
import { decodeImage, decodeLabel } from "./decode";
import { isJpeg, isPng, readPngHeader, rewritePng } from "./png-chunks";

/** Which decoder the data pipeline uses. "auto": sharp when it loads, else "js". */
export type DecoderChoice = "auto" | "sharp" | "js";
export type DecoderKind = "sharp" | "js";

/** The few sharp members used here (sharp's own typings are not needed at build time). */
interface SharpInstance {
  removeAlpha(): SharpInstance;
  toColourspace(space: string): SharpInstance;
  raw(opts?: { depth?: string }): SharpInstance;
  toBuffer(opts: {
    resolveWithObject: true;
  }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
interface SharpModule {
  (input: Uint8Array, opts: Record<string, unknown>): SharpInstance;
  concurrency(n: number): number;
  cache(opts: boolean): unknown;
}

const MAX_PIXELS = 100e6;

let loaded: { sharp: SharpModule | null; error: string | null } | null = null;

/** Loads sharp once; null (and the reason) when it cannot load. */
export function loadSharp(): { sharp: SharpModule | null; error: string | null } {
  if (loaded !== null) return loaded;
  try {
    const sharp = require("sharp") as SharpModule;
    // Parallelism comes from the mpio workers (one decode per worker at a time), and inputs are
    // read once per epoch: libvips's own threads and operation cache would only add contention
    // and memory.
    sharp.concurrency(1);
    sharp.cache(false);
    loaded = { sharp, error: null };
  } catch (err) {
    loaded = { sharp: null, error: err instanceof Error ? err.message.split("\n")[0]! : String(err) };
  }
  return loaded;
}

/** The decoder "auto" / "sharp" / "js" stands for here ("sharp" when sharp cannot load is an error). */
export function resolveDecoder(choice: DecoderChoice = "auto"): DecoderKind {
  if (choice === "js") return "js";
  const { sharp, error } = loadSharp();
  if (sharp !== null) return "sharp";
  if (choice === "sharp") {
    throw new Error(
      `The sharp image decoder cannot load (${error}); reinstall with npm ci on this platform, or use the ` +
        `pure-JS decoders (decoder "js" / SEGNAS_DECODER=js).`,
    );
  }
  return "js";
}

async function sharpRaw(
  bytes: Uint8Array,
  colourspace: string | null,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const sharp = loadSharp().sharp!;
  let s = sharp(bytes, {
    failOn: "warning", // strict, like jpeg-js tolerantDecoding: false: a truncated file is an error
    limitInputPixels: MAX_PIXELS,
    ignoreIcc: true,
    sequentialRead: true,
  });
  if (colourspace !== null) s = s.toColourspace(colourspace);
  const { data, info } = await s.removeAlpha().raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Whether the PNG has a chunk of this type (walks the chunk headers only). */
function hasChunk(bytes: Uint8Array, type: string): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = [0, 1, 2, 3].map((i) => type.charCodeAt(i));
  for (let pos = 8; pos + 12 <= bytes.length; pos += 12 + view.getUint32(pos)) {
    if (code.every((c, i) => bytes[pos + 4 + i] === c)) return true;
    if (
      bytes[pos + 4] === 0x49 &&
      bytes[pos + 5] === 0x45 &&
      bytes[pos + 6] === 0x4e &&
      bytes[pos + 7] === 0x44
    )
      break; // IEND
  }
  return false;
}

/**
 * A copy in a plain ArrayBuffer of its own: sharp's buffers may be external memory, which worker
 * threads cannot transfer, and the copy (a few ms for 2048x1024) is small next to the decode.
 */
function own(buf: Buffer): Uint8Array {
  return new Uint8Array(buf);
}

function sharpMessage(err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  // libvips messages run over several lines ("VipsJpeg: ...\nVipsJpeg: ..."): keep them on one.
  return new Error(msg.replace(/\s*\n\s*/g, "; ").trim() || "sharp could not decode the file");
}

/** Like decodeImage, through sharp where it gives the same result. */
export async function decodeImageSharp(bytes: Uint8Array): Promise<RgbImage> {
  let input = bytes;
  if (isPng(bytes)) {
    const header = readPngHeader(bytes);
    if (header.bitDepth === 16) return decodeImage(bytes); // rounding to 8 bits differs
    if (!(header.width > 0 && header.height > 0 && header.width * header.height <= MAX_PIXELS)) {
      return decodeImage(bytes); // the pure-JS path words the error
    }
    // Same input as the pure-JS path: a tRNS chunk never blanks image colours. (The copy is
    // made only when there is one to drop: a 2048x1024 PNG is several MB.)
    if (header.colorType !== 3 && hasChunk(bytes, "tRNS")) input = rewritePng(bytes, { dropTrns: true });
  } else if (!isJpeg(bytes)) {
    return decodeImage(bytes); // throws the "not a PNG or JPEG" error
  }
  let raw;
  try {
    raw = await sharpRaw(input, "srgb");
  } catch (err) {
    throw sharpMessage(err);
  }
  if (raw.channels !== 3 || raw.data.length !== raw.width * raw.height * 3) {
    throw new Error(`decoded to ${raw.channels} channels, expected RGB`);
  }
  return { width: raw.width, height: raw.height, data: own(raw.data) };
}

/** Like decodeLabel, through sharp for 8-bit gray and palette PNGs (the same ids, exactly). */
export async function decodeLabelSharp(bytes: Uint8Array): Promise<LabelImage> {
  if (!isPng(bytes)) return decodeLabel(bytes); // throws the JPEG / unknown-format error
  const header = readPngHeader(bytes);
  // 1/2/4-bit gray: libvips scales it to 0..255, pngjs (skipRescale) keeps the stored ids.
  const gray = header.colorType === 0 && header.bitDepth === 8;
  const palette = header.colorType === 3;
  if (
    !(gray || palette) ||
    !(header.width > 0 && header.height > 0 && header.width * header.height <= MAX_PIXELS)
  ) {
    return decodeLabel(bytes); // 16-bit ids, colour labels (rejected there), bad sizes
  }
  // A palette label is read through an identity palette: the "colour" of a pixel is its index.
  const input = palette ? rewritePng(bytes, { identityPalette: true }) : bytes;
  let raw;
  try {
    raw = await sharpRaw(input, null);
  } catch (err) {
    throw sharpMessage(err);
  }
  const n = raw.width * raw.height;
  if (raw.data.length !== n * raw.channels) throw new Error("PNG decoded to an unexpected size");
  if (raw.channels === 1) return { width: raw.width, height: raw.height, data: own(raw.data) };
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += raw.channels) out[i] = raw.data[j]!;
  return { width: raw.width, height: raw.height, data: out };
}
