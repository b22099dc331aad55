/**
 * A minimal PNG writer for what pngjs cannot write: palette images (e.g. label maps as PIL
 * mode "P" stores them) and arbitrary bit depths. Rows go out unfiltered; no interlace.
 */
import * as zlib from "zlib";

export interface RawPngSpec {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Samples in row-major order, `channels` per pixel (one index per pixel for palettes). */
  samples: ArrayLike<number>;
  /** RGB triples for colour type 3. */
  palette?: ReadonlyArray<readonly [number, number, number]>;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

let table: Int32Array | null = null;
function crc(buf: Uint8Array): number {
  if (table === null) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function encodeRawPng(spec: RawPngSpec): Buffer {
  const { width, height, bitDepth, colorType } = spec;
  const channels = CHANNELS[colorType]!;
  const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1; // filter byte 0 (None)
    let bit = 0;
    for (let i = 0; i < width * channels; i++) {
      const v = spec.samples[y * width * channels + i]!;
      if (bitDepth === 16) {
        raw.writeUInt16BE(v, row + i * 2);
      } else if (bitDepth === 8) {
        raw[row + i] = v;
      } else {
        raw[row + (bit >> 3)]! |= v << (8 - bitDepth - (bit & 7));
        bit += bitDepth;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr)];
  if (spec.palette) parts.push(chunk("PLTE", Uint8Array.from(spec.palette.flat())));
  parts.push(chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", new Uint8Array(0)));
  return Buffer.concat(parts);
}
