import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as jpeg from "jpeg-js";
import { decodeImage, decodeLabel } from "./decode";
import { DataError } from "./errors";
import { DataLoader } from "./loader";
import { resolveDataOptions } from "./options";
import { encodeRawPng } from "./png-raw";
import { loadSampleAsync } from "./sample-source";
import { decodeImageSharp, decodeLabelSharp, loadSharp, resolveDecoder } from "./sharp-decode";
import { encodePng, ensureSyntheticDataset } from "./synthetic";

// sharp is a regular dependency with prebuilt binaries for linux-x64 (CI's platform): it must load
// there. Elsewhere the pure-JS fallback is what runs, and these equivalence tests say so and skip.
const sharpLoads = loadSharp().sharp !== null;
if (!sharpLoads && process.env.CI) throw new Error(`sharp must load in CI: ${loadSharp().error}`);
const withSharp = sharpLoads ? describe : describe.skip;
if (!sharpLoads)
  process.stdout.write(`sharp-decode tests skipped: sharp does not load (${loadSharp().error})\n`);

/** A photo-like test card: smooth gradients, hard colour edges and noise. */
function card(w: number, h: number, seed: number): Uint8Array {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const box = x > w / 3 && x < (2 * w) / 3 && y > h / 4 && y < (3 * h) / 4;
      const base = box ? [200, 30, 60] : [(x * 255) / w, (y * 255) / h, 128];
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, base[c]! + rnd() * 6));
    }
  return out;
}

function rgba(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) out.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
  return out;
}

/** Inserts a tRNS chunk (an RGB colour key) after IHDR: keyed pixels must keep their colour. */
function withTrns(png: Uint8Array, key: number[]): Uint8Array {
  const data = Buffer.from(key);
  const body = Buffer.concat([Buffer.from("tRNS", "latin1"), data]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 8 + data.length);
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

function crc32(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) {
    c ^= buf[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ -1) >>> 0;
}

withSharp("sharp decoding equals the pure-JS decoders", () => {
  it("gives the same bytes for every 8-bit PNG image kind (RGB, gray, RGBA, gray+alpha, palette, tRNS; 16-bit by fallback)", async () => {
    const w = 37;
    const h = 23;
    const rgb = card(w, h, 1);
    const gray = Array.from({ length: w * h }, (_, i) => (i * 7) % 256);
    const palette = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 9, (i * 40) % 256] as const);
    const files = [
      encodePng(w, h, rgb, 3),
      encodeRawPng({ width: w, height: h, bitDepth: 8, colorType: 0, samples: gray }),
      encodeRawPng({ width: w, height: h, bitDepth: 8, colorType: 6, samples: rgba(rgb) }),
      encodeRawPng({
        width: w,
        height: h,
        bitDepth: 4,
        colorType: 3,
        samples: gray.map((v) => v % 16),
        palette,
      }),
      encodeRawPng({
        width: w,
        height: h,
        bitDepth: 8,
        colorType: 4,
        samples: gray.flatMap((v) => [v, 255 - v]),
      }),
      encodeRawPng({
        width: 2,
        height: 1,
        bitDepth: 16,
        colorType: 2,
        samples: [65535, 0, 257 * 128, 1, 2, 3],
      }),
      withTrns(encodePng(w, h, rgb, 3), [0, rgb[0]!, 0, rgb[1]!, 0, rgb[2]!]),
    ];
    for (const f of files) {
      const a = decodeImage(f);
      const b = await decodeImageSharp(f);
      expect([b.width, b.height]).toEqual([a.width, a.height]);
      expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    }
  });

  it("gives exactly the same class ids for gray and palette labels (8-, 4-, 2-bit, 16-bit)", async () => {
    const w = 41;
    const h = 17;
    const ids = Array.from({ length: w * h }, (_, i) => (i % 23 === 0 ? 255 : (i * 5) % 19));
    const palette = Array.from({ length: 256 }, (_, i) => [(i * 3) % 256, 70, 70] as const);
    const files = [
      encodeRawPng({ width: w, height: h, bitDepth: 8, colorType: 0, samples: ids }),
      encodeRawPng({ width: w, height: h, bitDepth: 8, colorType: 3, samples: ids, palette }),
      encodeRawPng({
        width: w,
        height: h,
        bitDepth: 4,
        colorType: 3,
        samples: ids.map((v) => v % 16),
        palette,
      }),
      encodeRawPng({ width: w, height: h, bitDepth: 2, colorType: 0, samples: ids.map((v) => v % 4) }),
      encodeRawPng({ width: w, height: h, bitDepth: 16, colorType: 0, samples: ids.map((v) => v * 3) }),
    ];
    for (const f of files) {
      const a = decodeLabel(f);
      const b = await decodeLabelSharp(f);
      expect(b.data.constructor).toBe(a.data.constructor);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
    }
  });

  it("decodes JPEGs within the stated tolerance (mean |diff| < 1.5 levels, 95% within 2)", async () => {
    // libjpeg-turbo (sharp) and jpeg-js differ in IDCT rounding and chroma upsampling (libjpeg's
    // "fancy" triangle filter vs replication): a level or so on smooth areas, more on the few
    // pixels along saturated colour edges of 4:2:0 files.
    const w = 96;
    const h = 64;
    const f = jpeg.encode({ width: w, height: h, data: rgba(card(w, h, 2)) }, 90).data;
    const a = decodeImage(f);
    const b = await decodeImageSharp(f);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    let sum = 0;
    let within = 0;
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i]! - b.data[i]!);
      sum += d;
      if (d <= 2) within++;
    }
    expect(sum / a.data.length).toBeLessThan(1.5);
    expect(within / a.data.length).toBeGreaterThan(0.95);
  });

  it("rejects corrupt files with a reason (truncated JPEG, damaged PNG, unknown format)", async () => {
    const png = encodePng(8, 8, card(8, 8, 3), 3);
    const damaged = Buffer.from(png);
    damaged[damaged.length - 20]! ^= 0xff;
    await expect(decodeImageSharp(png.subarray(0, 40))).rejects.toThrow();
    await expect(decodeImageSharp(damaged)).rejects.toThrow();
    const jpg = jpeg.encode({ width: 32, height: 32, data: rgba(card(32, 32, 4)) }, 90).data;
    await expect(decodeImageSharp(jpg.subarray(0, jpg.length >> 1))).rejects.toThrow();
    await expect(decodeImageSharp(Buffer.from("BM not an image"))).rejects.toThrow(/not a PNG or JPEG/);
    await expect(decodeLabelSharp(jpg)).rejects.toThrow(/labels must be PNG/);
    await expect(decodeLabelSharp(encodePng(2, 2, card(2, 2, 5), 3))).rejects.toThrow(/this one is RGB/);
  });

  describe("in the pipeline", () => {
    let root: string;
    beforeAll(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-sharp-"));
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it("names the file and list line of a corrupt image", async () => {
      const file = path.join(root, "broken.jpg");
      const jpg = jpeg.encode({ width: 32, height: 32, data: rgba(card(32, 32, 6)) }, 90).data;
      fs.writeFileSync(file, jpg.subarray(0, jpg.length - 100));
      const entry = { image: file, label: path.join(root, "none.png"), list: "train.list", line: 4 };
      const err = await loadSampleAsync(entry, 5, 255, "sharp").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toMatch(/Cannot decode image .*broken\.jpg \(train\.list line 4\)/);
    });

    it("gives the same batches as the pure-JS decoders on a PNG dataset, in-process and with mpio", async () => {
      const ds = await ensureSyntheticDataset(path.join(root, "syn"), {
        train: 4,
        val: 2,
        width: 24,
        height: 16,
      });
      const opts = resolveDataOptions({
        dataDir: ds.dir,
        trainFileList: ds.trainList,
        valFileList: ds.valList,
        numClasses: 5,
        augMethod: "stepscaling",
        trainCropSize: [16, 16],
        mirror: true,
        batchSize: 2,
      });
      const run = async (decoder: "js" | "sharp", mpio: boolean): Promise<Buffer[]> => {
        const loader = new DataLoader(opts, {
          phase: "train",
          seed: 5,
          decoder,
          mpio,
          numWorkers: 2,
          cacheBytes: 0,
        });
        expect(loader.decoder).toBe(decoder);
        const out: Buffer[] = [];
        try {
          for await (const b of loader.epoch(0))
            out.push(Buffer.from(b.images.buffer), Buffer.from(b.labels.buffer));
        } finally {
          await loader.close();
        }
        return out;
      };
      const js = await run("js", false);
      expect(await run("sharp", false)).toEqual(js);
      expect(await run("sharp", true)).toEqual(js);
    });
  });
});

describe("decoder choice", () => {
  it('"js" always works, "auto" falls back to it, an unknown SEGNAS_DECODER is a DataError', () => {
    expect(resolveDecoder("js")).toBe("js");
    expect(resolveDecoder("auto")).toBe(sharpLoads ? "sharp" : "js");
    const before = process.env.SEGNAS_DECODER;
    process.env.SEGNAS_DECODER = "opencv";
    try {
      const opts = resolveDataOptions({ dataDir: ".", trainFileList: "x", valFileList: "x", numClasses: 2 });
      const entries = [{ image: "a.png", label: "b.png", list: "x", line: 1 }];
      expect(() => new DataLoader(opts, { phase: "eval", entries })).toThrow(
        /Unknown image decoder "opencv"/,
      );
    } finally {
      if (before === undefined) delete process.env.SEGNAS_DECODER;
      else process.env.SEGNAS_DECODER = before;
    }
  });
});
