/**
 * Image and label decoding with pure-JS decoders (pngjs, jpeg-js; see docs/data.md for why).
 * The format is taken from the file's magic bytes, not its extension.
 *
 * - Images -> RGB8, row-major HWC. Gray is replicated, alpha dropped, 16-bit scaled to 8-bit,
 *   palettes expanded. (PaddleSeg reads with OpenCV, i.e. BGR; segnas trains from scratch, so
 *   the channel order only has to be consistent, and RGB is what every other tool expects.)
 * - Labels -> one class id per pixel. Gray PNGs (any bit depth, values kept as stored) and
 *   palette PNGs (the palette INDEX is the class id, like PIL mode "P" in PaddleSeg). Colour
 *   labels are rejected: mapping colours to ids is a dataset-preparation step.
 *
 * Decoders throw plain Errors with a short reason; SampleSource adds the file and list line.
 */
import { PNG } from "pngjs";
import * as jpeg from "jpeg-js";
import { isJpeg, isPng, readPngHeader, rewritePng } from "./png-chunks";

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes, RGB, row-major. */
  readonly data: Uint8Array;
}

export interface LabelImage {
  readonly width: number;
  readonly height: number;
  /** width * height class ids (Uint16Array only for 16-bit gray PNGs). */
  readonly data: Uint8Array | Uint16Array;
}

/** Pixels above this are refused before allocating (a corrupt header can claim anything). */
const MAX_PIXELS = 100e6;

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new Error(`image has no pixels (${width}x${height})`);
  if (width * height > MAX_PIXELS) throw new Error(`image is too large (${width}x${height})`);
}

const COLOR_TYPES: Record<number, string> = {
  0: "gray",
  2: "RGB",
  3: "palette",
  4: "gray+alpha",
  6: "RGBA",
};

export function decodeImage(bytes: Uint8Array): RgbImage {
  if (isPng(bytes)) {
    const header = readPngHeader(bytes);
    checkSize(header.width, header.height);
    const png = PNG.sync.read(Buffer.from(rewritePng(bytes, { dropTrns: header.colorType !== 3 })));
    return { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width * png.height) };
  }
  if (isJpeg(bytes)) {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Strict: a truncated or damaged JPEG is an error naming the file, not a grey smear.
      tolerantDecoding: false,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      maxMemoryUsageInMB: 1024,
    });
    checkSize(img.width, img.height);
    if (img.data.length !== img.width * img.height * 3) throw new Error("JPEG decoded to an unexpected size");
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new Error("not a PNG or JPEG file (unrecognised header); convert it to PNG or JPEG");
}

export function decodeLabel(bytes: Uint8Array): LabelImage {
  if (isJpeg(bytes)) {
    throw new Error("labels must be PNG: JPEG compression changes class ids at every edge");
  }
  if (!isPng(bytes)) throw new Error("not a PNG file (unrecognised header)");
  const header = readPngHeader(bytes);
  checkSize(header.width, header.height);
  const n = header.width * header.height;
  if (header.colorType === 3) {
    const png = PNG.sync.read(Buffer.from(rewritePng(bytes, { identityPalette: true })));
    return { width: png.width, height: png.height, data: firstOfFour(png.data, n, Uint8Array) };
  }
  if (header.colorType === 0) {
    // skipRescale keeps stored values: a 16-bit label holds ids, not intensities.
    const png = PNG.sync.read(Buffer.from(bytes), { skipRescale: true });
    const data = png.data as unknown as Uint8Array | Uint16Array;
    return {
      width: png.width,
      height: png.height,
      data: header.bitDepth === 16 ? firstOfFour(data, n, Uint16Array) : firstOfFour(data, n, Uint8Array),
    };
  }
  throw new Error(
    `labels must be single-channel PNGs of class ids (gray or palette); this one is ` +
      `${COLOR_TYPES[header.colorType] ?? `colour type ${header.colorType}`}. Convert colour-coded labels ` +
      `to class-id images first.`,
  );
}

function rgbaToRgb(rgba: ArrayLike<number>, n: number): Uint8Array {
  if (rgba.length < n * 4) throw new Error("PNG decoded to fewer pixels than its header says");
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = rgba[j]!;
    out[i * 3 + 1] = rgba[j + 1]!;
    out[i * 3 + 2] = rgba[j + 2]!;
  }
  return out;
}

function firstOfFour<T extends Uint8Array | Uint16Array>(
  rgba: ArrayLike<number>,
  n: number,
  ctor: { new (n: number): T },
): T {
  if (rgba.length < n * 4) throw new Error("PNG decoded to fewer pixels than its header says");
  const out = new ctor(n);
  for (let i = 0; i < n; i++) out[i] = rgba[i * 4]!;
  return out;
}
