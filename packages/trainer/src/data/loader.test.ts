import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataLoader, type DataLoaderOptions } from "./loader";
import { DataError } from "./errors";
import { resolveDataOptions, type DataOptions } from "./options";
import { ensureSyntheticDataset } from "./synthetic";
import type { Batch } from "./batch";

let root: string;
let data: DataOptions;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-loader-"));
  const ds = await ensureSyntheticDataset(path.join(root, "syn"), {
    train: 7,
    val: 3,
    width: 20,
    height: 16,
    seed: 3,
  });
  data = resolveDataOptions({
    dataDir: ds.dir,
    trainFileList: ds.trainList,
    valFileList: ds.valList,
    numClasses: 5,
    augMethod: "stepscaling",
    minScaleFactor: 0.75,
    maxScaleFactor: 1.5,
    scaleStepSize: 0,
    trainCropSize: [16, 16],
    evalCropSize: [24, 16],
    flip: true,
    batchSize: 2,
  });
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function collect(opts: DataLoaderOptions, epochs: number[], d: DataOptions = data): Promise<Batch[]> {
  const loader = new DataLoader(d, opts);
  try {
    const out: Batch[] = [];
    for (const e of epochs) for await (const b of loader.epoch(e)) out.push(b);
    return out;
  } finally {
    await loader.close();
  }
}

/** A copy of the dataset folder whose list can be damaged freely. */
function copyDataset(name: string): { dir: string; opts: DataOptions } {
  const dir = path.join(root, name);
  fs.cpSync(data.dataDir, dir, { recursive: true });
  return {
    dir,
    opts: resolveDataOptions({
      ...data,
      dataDir: dir,
      trainFileList: path.join(dir, "train.list"),
      valFileList: path.join(dir, "val.list"),
    }),
  };
}

async function rejection(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    return e as DataError;
  }
  throw new Error("expected a rejection");
}

describe("DataLoader", () => {
  it("yields NHWC float batches with drop-last in training and all samples in evaluation", async () => {
    const train = await collect({ phase: "train", seed: 1 }, [0]);
    expect(train).toHaveLength(3); // 7 samples, batch 2, drop last
    const b = train[0]!;
    expect([b.n, b.height, b.width]).toEqual([2, 16, 16]);
    expect(b.images).toBeInstanceOf(Float32Array);
    expect(b.images.length).toBe(2 * 16 * 16 * 3);
    expect(b.labels).toBeInstanceOf(Int32Array);
    expect(b.labels.length).toBe(2 * 16 * 16);
    expect(Math.max(...b.images)).toBeLessThanOrEqual(1);
    expect(Math.min(...b.images)).toBeGreaterThanOrEqual(-1);
    const val = await collect({ phase: "eval" }, [0]);
    expect(val.map((v) => v.n)).toEqual([2, 1]);
    expect(val.flatMap((v) => v.indices)).toEqual([0, 1, 2]);
    // Eval pads 20x16 to 24x16: the right 4 columns are ignore.
    expect(val[0]!.labels[23]).toBe(255);
  });

  it("is deterministic for a seed and reshuffles every epoch", async () => {
    const a = await collect({ phase: "train", seed: 9 }, [0, 1]);
    const b = await collect({ phase: "train", seed: 9 }, [0, 1]);
    expect(b).toEqual(a);
    const order0 = a.slice(0, 3).flatMap((x) => x.indices);
    const order1 = a.slice(3).flatMap((x) => x.indices);
    expect(order1).not.toEqual(order0);
    const c = await collect({ phase: "train", seed: 10 }, [0]);
    expect(c[0]!.images).not.toEqual(a[0]!.images);
  });

  it("gives identical batches with --use_mpio (worker threads) as in-process", async () => {
    const inProcess = await collect({ phase: "train", seed: 5, cacheBytes: 0 }, [0, 1]);
    const mpio = await collect({ phase: "train", seed: 5, mpio: true, numWorkers: 2, prefetch: 3 }, [0, 1]);
    expect(mpio).toEqual(inProcess);
    const evalIn = await collect({ phase: "eval" }, [0]);
    const evalMp = await collect({ phase: "eval", mpio: true, numWorkers: 1 }, [0]);
    expect(evalMp).toEqual(evalIn);
  }, 30000);

  it("decodes once with the cache: later epochs survive the files vanishing", async () => {
    for (const mpio of [false, true]) {
      const { dir, opts } = copyDataset(`cache-${mpio}`);
      const loader = new DataLoader(opts, { phase: "train", seed: 2, mpio, numWorkers: 2, dropLast: false });
      try {
        const first: Batch[] = [];
        for await (const b of loader.epoch(0)) first.push(b);
        expect(loader.cacheStats().samples).toBe(7);
        fs.rmSync(path.join(dir, "images"), { recursive: true });
        let n = 0;
        for await (const b of loader.epoch(1)) n += b.n;
        expect(n).toBe(7);
      } finally {
        await loader.close();
      }
    }
  }, 30000);

  it("names the file and list line of a corrupt or missing file, in-process and in workers", async () => {
    const { dir, opts } = copyDataset("broken");
    const list = fs.readFileSync(path.join(dir, "train.list"), "utf8").split("\n");
    const corrupt = path.join(dir, list[2]!.split(" ")[0]!);
    fs.writeFileSync(corrupt, Buffer.from("\x89PNG\r\n\x1a\n garbage garbage garbage garbage"));
    for (const mpio of [false, true]) {
      const loader = new DataLoader(opts, { phase: "train", shuffle: false, mpio, numWorkers: 2 });
      try {
        const err = await rejection(loader.loadBatch(0, 1));
        expect(err).toBeInstanceOf(DataError);
        expect(err.code).toBe("SEGNAS_E_DATA");
        expect(err.message).toContain(corrupt);
        expect(err.message).toContain("train.list line 3");
        expect(err.data).toMatchObject({ file: corrupt, line: 3 });
        // The good batch before it still loads, and an epoch surfaces the error at that batch.
        expect((await loader.loadBatch(0, 0)).n).toBe(2);
        const seen: number[] = [];
        const epochErr = await rejection(
          (async () => {
            for await (const b of loader.epoch(0)) seen.push(b.n);
          })(),
        );
        expect(seen).toEqual([2]);
        expect(epochErr).toBeInstanceOf(DataError);
      } finally {
        await loader.close();
      }
    }
    fs.rmSync(path.join(dir, list[0]!.split(" ")[1]!));
    const loader = new DataLoader(opts, { phase: "train", shuffle: false });
    await expect(loader.loadBatch(0, 0)).rejects.toThrow(
      /Cannot read label .*labels\/train\/00000\.png \(.*train\.list line 1\): no such file/,
    );
  }, 30000);

  it("rejects size mismatches and class ids beyond NUM_CLASSES", async () => {
    const { dir, opts } = copyDataset("mismatch");
    fs.copyFileSync(
      path.join(data.dataDir, "labels/train/00001.png"),
      path.join(dir, "labels/train/00000.png"),
    );
    const small = new DataLoader(resolveDataOptions({ ...opts, numClasses: 2 }), {
      phase: "eval",
      fileList: opts.trainFileList,
    });
    await expect(small.loadBatch(0, 0)).rejects.toThrow(/holds class id \d+ .*NUM_CLASSES is 2/);
    const { encodePng } = await import("./synthetic");
    fs.writeFileSync(path.join(dir, "labels/train/00000.png"), encodePng(4, 4, new Uint8Array(16), 1));
    const loader = new DataLoader(opts, { phase: "train", shuffle: false });
    await expect(loader.loadBatch(0, 0)).rejects.toThrow(/differ in size.*line 1.*20x16.*4x4/);
    expect(() => new DataLoader(opts, { phase: "train", batchSize: 8 })).toThrow(/fewer than one batch/);
  });
});
