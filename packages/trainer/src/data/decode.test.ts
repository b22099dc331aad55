import * as jpeg from "jpeg-js";
import { decodeImage, decodeLabel } from "./decode";
import { encodeRawPng } from "./png-raw";
import { encodePng } from "./synthetic";

const W = 3;
const H = 2;
const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 256);

describe("decodeImage", () => {
  it("decodes an RGB PNG (pngjs) exactly", () => {
    const img = decodeImage(encodePng(W, H, rgb, 3));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
  });

  it("expands gray, drops alpha, scales 16-bit and keeps tRNS-keyed colours", () => {
    const gray = decodeImage(
      encodeRawPng({ width: 2, height: 1, bitDepth: 8, colorType: 0, samples: [10, 200] }),
    );
    expect(Array.from(gray.data)).toEqual([10, 10, 10, 200, 200, 200]);
    const rgba = decodeImage(
      encodeRawPng({ width: 1, height: 1, bitDepth: 8, colorType: 6, samples: [1, 2, 3, 0] }),
    );
    expect(Array.from(rgba.data)).toEqual([1, 2, 3]);
    const deep = decodeImage(
      encodeRawPng({ width: 1, height: 1, bitDepth: 16, colorType: 2, samples: [65535, 0, 257 * 128] }),
    );
    expect(Array.from(deep.data)).toEqual([255, 0, 128]);
    const pal = decodeImage(
      encodeRawPng({
        width: 2,
        height: 1,
        bitDepth: 8,
        colorType: 3,
        samples: [1, 0],
        palette: [
          [9, 8, 7],
          [1, 2, 3],
        ],
      }),
    );
    expect(Array.from(pal.data)).toEqual([1, 2, 3, 9, 8, 7]);
  });

  it("decodes a JPEG (jpeg-js) to RGB", () => {
    const rgba = new Uint8Array(16 * 16 * 4).fill(255);
    for (let i = 0; i < 16 * 16; i++) rgba.set([200, 40, 90, 255], i * 4);
    const img = decodeImage(jpeg.encode({ width: 16, height: 16, data: rgba }, 95).data);
    expect([img.width, img.height, img.data.length]).toEqual([16, 16, 16 * 16 * 3]);
    expect(Math.abs(img.data[0]! - 200)).toBeLessThan(6);
    expect(Math.abs(img.data[1]! - 40)).toBeLessThan(6);
    expect(Math.abs(img.data[2]! - 90)).toBeLessThan(6);
  });

  it("rejects corrupt and unknown files with a reason", () => {
    const png = encodePng(W, H, rgb, 3);
    expect(() => decodeImage(png.subarray(0, 40))).toThrow();
    const damaged = Buffer.from(png);
    damaged[damaged.length - 20] ^= 0xff; // inside IDAT: CRC mismatch
    expect(() => decodeImage(damaged)).toThrow();
    const jpg = jpeg.encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(128) }, 90).data;
    expect(() => decodeImage(jpg.subarray(0, jpg.length >> 1))).toThrow();
    expect(() => decodeImage(Buffer.from("BM not an image"))).toThrow(/not a PNG or JPEG/);
  });
});

describe("decodeLabel", () => {
  it("reads 8-bit gray class ids", () => {
    const lbl = decodeLabel(encodePng(2, 2, Uint8Array.from([0, 1, 255, 3]), 1));
    expect(lbl.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(lbl.data)).toEqual([0, 1, 255, 3]);
  });

  it("uses the palette INDEX of a palette PNG as the class id (PIL mode P)", () => {
    // Palette colours deliberately unrelated to the indices, with a duplicate colour.
    const palette: Array<[number, number, number]> = [
      [128, 64, 128],
      [70, 70, 70],
      [70, 70, 70],
      [0, 0, 142],
    ];
    const lbl = decodeLabel(
      encodeRawPng({ width: 4, height: 1, bitDepth: 8, colorType: 3, samples: [3, 2, 1, 0], palette }),
    );
    expect(Array.from(lbl.data)).toEqual([3, 2, 1, 0]);
    const packed = decodeLabel(
      encodeRawPng({ width: 3, height: 1, bitDepth: 4, colorType: 3, samples: [2, 0, 3], palette }),
    );
    expect(Array.from(packed.data)).toEqual([2, 0, 3]);
  });

  it("keeps 16-bit gray values as stored", () => {
    const lbl = decodeLabel(
      encodeRawPng({ width: 2, height: 1, bitDepth: 16, colorType: 0, samples: [7, 300] }),
    );
    expect(lbl.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(lbl.data)).toEqual([7, 300]);
  });

  it("rejects colour and JPEG labels with a clear message", () => {
    expect(() => decodeLabel(encodePng(W, H, rgb, 3))).toThrow(/single-channel .*this one is RGB/);
    const jpg = jpeg.encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4) }, 90).data;
    expect(() => decodeLabel(jpg)).toThrow(/labels must be PNG/);
  });
});
