import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfusionMatrix } from "@segnas/core";
import {
  ensureSyntheticDataset,
  generateSyntheticSample,
  SYNTHETIC_VERSION,
  syntheticManifest,
} from "./synthetic";
import { readFileList } from "./file-list";
import { loadSample } from "./sample-source";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-syn-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function filesOf(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p);
    }
  };
  walk(dir);
  return out;
}

describe("synthetic dataset", () => {
  const opts = { classes: 5, train: 4, val: 2, width: 32, height: 24, seed: 7 };

  it("is byte-identical for a seed, in the PaddleSeg file-list layout", async () => {
    const a = await ensureSyntheticDataset(path.join(root, "a"), opts);
    const b = await ensureSyntheticDataset(path.join(root, "b"), opts);
    expect(a.created).toBe(true);
    const fa = filesOf(a.dir);
    expect(fa).toEqual(filesOf(b.dir));
    expect(Object.keys(fa).sort()).toEqual(
      expect.arrayContaining([
        "train.list",
        "val.list",
        "synthetic.json",
        "images/train/00000.png",
        "labels/val/00001.png",
      ]),
    );
    expect(fs.readdirSync(root).filter((n) => n.includes(".tmp-"))).toEqual([]);
    const c = await ensureSyntheticDataset(path.join(root, "c"), { ...opts, seed: 8 });
    expect(filesOf(c.dir)["images/train/00000.png"]).not.toEqual(fa["images/train/00000.png"]);
    // Files load through the real pipeline: RGB images, gray labels, ids < classes or 255.
    const entries = readFileList(a.trainList, { dataDir: a.dir });
    expect(entries).toHaveLength(4);
    const s = loadSample(entries[0]!, 5, 255);
    expect([s.width, s.height, s.image.length]).toEqual([32, 24, 32 * 24 * 3]);
  });

  it("reuses an identical dataset, refuses foreign folders, replaces only with overwrite", async () => {
    const dir = path.join(root, "a");
    expect((await ensureSyntheticDataset(dir, opts)).created).toBe(false);
    await expect(ensureSyntheticDataset(dir, { ...opts, train: 5 })).rejects.toThrow(
      /other options; pass --force/,
    );
    const replaced = await ensureSyntheticDataset(dir, { ...opts, train: 5 }, { overwrite: true });
    expect(replaced.created).toBe(true);
    expect(fs.readFileSync(replaced.trainList, "utf8").trim().split("\n")).toHaveLength(5);
    const foreign = path.join(root, "foreign");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "precious.txt"), "keep me");
    await expect(ensureSyntheticDataset(foreign, opts, { overwrite: true })).rejects.toThrow(
      /not a segnas synthetic/,
    );
    expect(fs.readFileSync(path.join(foreign, "precious.txt"), "utf8")).toBe("keep me");
    expect(() => syntheticManifest({ classes: 11 })).toThrow(/classes = 11 .*2\.\.10/);
  });

  it("rebuilds a copy made by an older generator version without --force", async () => {
    const dir = path.join(root, "stale");
    await ensureSyntheticDataset(dir, opts);
    const file = path.join(dir, "synthetic.json");
    const old = { ...JSON.parse(fs.readFileSync(file, "utf8")), version: SYNTHETIC_VERSION - 1 };
    fs.writeFileSync(file, JSON.stringify(old));
    fs.writeFileSync(path.join(dir, "images", "train", "00000.png"), "stale");
    const rebuilt = await ensureSyntheticDataset(dir, opts);
    expect(rebuilt.created).toBe(true);
    expect(rebuilt.manifest.version).toBe(SYNTHETIC_VERSION);
    expect(filesOf(dir)).toEqual(filesOf(path.join(root, "b")));
  });

  it("cannot be solved from a pixel's colour, while texture helps (and classes are imbalanced)", () => {
    const m = syntheticManifest({ classes: 5, width: 48, height: 48, seed: 1 });
    const train = Array.from({ length: 24 }, (_, i) => generateSyntheticSample(m, "train", i));
    const val = Array.from({ length: 8 }, (_, i) => generateSyntheticSample(m, "val", i));
    const counts = new Array<number>(256).fill(0);
    for (const s of train) for (const v of s.label) counts[v]!++;
    const total = 24 * 48 * 48;
    expect(counts[0]! / total).toBeGreaterThan(0.3); // background dominates
    expect(counts[4]! / total).toBeLessThan(counts[1]! / total / 1.5); // later classes are rarer
    expect(counts[255]! / total).toBeGreaterThan(0.01); // ignore band on boundaries

    // Lookup-table classifiers: majority class per feature value, fitted on train, scored on val.
    type Feat = (s: { image: Uint8Array }, i: number) => number;
    const score = (feat: Feat): number => {
      const lut = new Map<number, number[]>();
      for (const s of train)
        s.label.forEach((l, i) => {
          if (l === 255) return;
          const k = feat(s, i);
          const a = lut.get(k) ?? new Array<number>(5).fill(0);
          a[l]!++;
          lut.set(k, a);
        });
      const cm = new ConfusionMatrix(5, 255);
      for (const s of val) {
        const pred = s.label.map((_, i) => {
          const a = lut.get(feat(s, i));
          return a ? a.indexOf(Math.max(...a)) : 0;
        });
        cm.update(s.label, pred);
      }
      return cm.miou();
    };
    const colour: Feat = (s, i) =>
      ((s.image[i * 3]! >> 4) << 8) | ((s.image[i * 3 + 1]! >> 4) << 4) | (s.image[i * 3 + 2]! >> 4);
    const lum = (s: { image: Uint8Array }, i: number): number =>
      s.image[i * 3]! + s.image[i * 3 + 1]! + s.image[i * 3 + 2]!;
    const texture: Feat = (s, i) => {
      const x = i % 48;
      const y = Math.floor(i / 48);
      let k = 0;
      // A 5x5 neighbourhood sampled every 2 px (9 bits): textures are a few pixels coarse.
      for (let dy = -2; dy <= 2; dy += 2)
        for (let dx = -2; dx <= 2; dx += 2) {
          const j = Math.min(47, Math.max(0, y + dy)) * 48 + Math.min(47, Math.max(0, x + dx));
          k = k * 2 + (Math.abs(lum(s, j) - lum(s, i)) > 120 ? 1 : 0);
        }
      return k;
    };
    const byColour = score(colour);
    const byTexture = score(texture);
    expect(byColour).toBeLessThan(0.25);
    expect(byTexture).toBeGreaterThan(byColour + 0.2);
  });
});
