/**
 * Just enough PNG chunk handling to steer pngjs: read the header, and rewrite a file with an
 * identity palette (entry i = (i, i, i)) so that pngjs's palette expansion hands back the palette
 * INDEX — the class id of a PIL mode "P" label, as PaddleSeg reads it — or without its tRNS
 * chunk (pngjs blanks tRNS-keyed pixels to black; an image's colours must survive).
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: number;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (!isPng(bytes) || bytes.length < 33) throw new Error("not a PNG file (bad signature or too short)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (type !== "IHDR") throw new Error("PNG does not start with an IHDR chunk");
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24]!,
    colorType: bytes[25]!,
  };
}

let crcTable: Uint32Array | null = null;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Copies a PNG, replacing the PLTE data by an identity palette of the same length and/or
 * dropping tRNS. Chunks are otherwise copied verbatim (a damaged chunk stays damaged, so the
 * decoder still reports it).
 */
export function rewritePng(
  bytes: Uint8Array,
  opts: { identityPalette?: boolean; dropTrns?: boolean },
): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const length = view.getUint32(pos);
    const end = pos + 12 + length;
    if (end > bytes.length) break; // truncated: let the decoder complain about the rest
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (type === "tRNS" && opts.dropTrns) {
      pos = end;
      continue;
    }
    if (type === "PLTE" && opts.identityPalette) {
      const chunk = new Uint8Array(12 + length);
      chunk.set(bytes.subarray(pos, pos + 8), 0);
      for (let i = 0; i < length; i++) chunk[8 + i] = Math.floor(i / 3);
      new DataView(chunk.buffer).setUint32(8 + length, crc32(chunk, 4, 8 + length));
      parts.push(chunk);
    } else {
      parts.push(bytes.subarray(pos, end));
    }
    pos = end;
  }
  if (pos < bytes.length) parts.push(bytes.subarray(pos));
  return Buffer.concat(parts);
}
