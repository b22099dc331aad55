/**
 * A synthetic segmentation dataset that is cheap to make, byte-identical for a seed, and hard in
 * the right way while still learnable by a small stride-16 network in a few hundred SGD steps:
 * every object gets two colours drawn from the same distribution as the background's, so a
 * pixel's colour says nothing about its class. Objects are large (discs 38-56 px across at
 * 64x64) and each class has its own SHAPE (box, disc, triangle, bar) and coarse TEXTURE (stripes,
 * checker, dots, rings; periods of 8-12 px at 64x64, scaled with the image), so a class is
 * visible only through a neighbourhood of several pixels; the checker pair differs only by shape
 * (triangle vs small disc), which needs a receptive field reaching the outline. Objects overlap,
 * pixels carry Gaussian noise, a 1-pixel band on object boundaries is IGNORE (255) like VOC, and
 * classes are imbalanced (background ~half the pixels, later classes rarer).
 *
 * Layout (PaddleSeg file lists): images/{train,val}/NNNNN.png (RGB), labels/{train,val}/NNNNN.png
 * (8-bit gray class ids), train.list, val.list, synthetic.json (the options, used to recognise
 * an existing copy).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PNG } from "pngjs";
import { Rng } from "@segnas/core";
import { DataError } from "./errors";
import { sampleSeed } from "./seeds";

type Texture = "hstripes" | "vstripes" | "checker" | "dots" | "diag" | "grid" | "rings" | "speckle";
type Shape = "box" | "disc" | "triangle" | "bar";

/**
 * Class 0 is the background; object classes are (shape, texture). Textures are symmetric under
 * the horizontal mirror augmentation (no class is another's mirror image).
 */
const CLASS_SPECS: ReadonlyArray<{ name: string; texture?: Texture; shape?: Shape; small?: boolean }> = [
  { name: "background" },
  { name: "h-stripes-box", texture: "hstripes", shape: "box" },
  { name: "checker-triangle", texture: "checker", shape: "triangle" },
  { name: "dots-disc", texture: "dots", shape: "disc" },
  { name: "v-stripes-bar", texture: "vstripes", shape: "bar" },
  { name: "checker-disc", texture: "checker", shape: "disc", small: true },
  { name: "diagonal-box", texture: "diag", shape: "box" },
  { name: "rings-disc", texture: "rings", shape: "disc" },
  { name: "grid-triangle", texture: "grid", shape: "triangle" },
  { name: "speckle-disc", texture: "speckle", shape: "disc" },
];

/** Bumped whenever the generator's output changes; older copies are rebuilt. */
export const SYNTHETIC_VERSION = 2;

export const SYNTHETIC_MAX_CLASSES = CLASS_SPECS.length;
export const SYNTHETIC_IGNORE_INDEX = 255;

export interface SyntheticOptions {
  /** Classes including the background, 2..10 (default 5). */
  readonly classes?: number;
  /** Images per split (defaults 200 / 50). */
  readonly train?: number;
  readonly val?: number;
  /** Image size (default 64x64). */
  readonly width?: number;
  readonly height?: number;
  readonly seed?: number;
}

export interface SyntheticManifest {
  readonly format: "segnas-synthetic";
  readonly version: number;
  readonly classes: number;
  readonly train: number;
  readonly val: number;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly ignoreIndex: number;
  readonly classNames: string[];
}

export interface SyntheticDataset {
  /** Absolute path of the dataset (DATASET.DATA_DIR). */
  readonly dir: string;
  readonly trainList: string;
  readonly valList: string;
  readonly manifest: SyntheticManifest;
  /** False when an identical dataset was already there. */
  readonly created: boolean;
}

export function syntheticManifest(opts: SyntheticOptions = {}): SyntheticManifest {
  const m = {
    format: "segnas-synthetic" as const,
    version: SYNTHETIC_VERSION,
    classes: opts.classes ?? 5,
    train: opts.train ?? 200,
    val: opts.val ?? 50,
    width: opts.width ?? 64,
    height: opts.height ?? 64,
    seed: opts.seed ?? 1,
    ignoreIndex: SYNTHETIC_IGNORE_INDEX,
    classNames: [] as string[],
  };
  const bad = (what: string, v: unknown, want: string): DataError =>
    new DataError(`Synthetic dataset: ${what} = ${JSON.stringify(v)} is invalid: ${want}.`, { reason: what });
  if (!Number.isInteger(m.classes) || m.classes < 2 || m.classes > SYNTHETIC_MAX_CLASSES) {
    throw bad("classes", m.classes, `expected an integer in 2..${SYNTHETIC_MAX_CLASSES}`);
  }
  for (const k of ["train", "val"] as const) {
    if (!Number.isInteger(m[k]) || m[k] < 0 || m[k] > 1e6)
      throw bad(k, m[k], "expected an integer in 0..1000000");
  }
  for (const k of ["width", "height"] as const) {
    if (!Number.isInteger(m[k]) || m[k] < 8 || m[k] > 4096)
      throw bad(k, m[k], "expected an integer in 8..4096");
  }
  if (!Number.isInteger(m.seed) || m.seed < 0 || m.seed > 0xffffffff) {
    throw bad("seed", m.seed, "expected an integer in 0..4294967295");
  }
  m.classNames = CLASS_SPECS.slice(0, m.classes).map((c) => c.name);
  return m;
}

type Rgb = [number, number, number];

function randomColour(rng: Rng): Rgb {
  return [rng.int(256), rng.int(256), rng.int(256)];
}

/** Two colours far enough apart that the texture survives the noise. */
function colourPair(rng: Rng, minDistance = 90): [Rgb, Rgb] {
  const a = randomColour(rng);
  for (let tries = 0; ; tries++) {
    const b = randomColour(rng);
    const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    if (d >= minDistance || tries > 50) return [a, b];
  }
}

/**
 * An object's two texture colours: a random colour and a copy shifted by 100-160 in every
 * channel (brighter or darker, whichever fits), so the texture shows as a strong edge in all
 * three channels whatever the hue, while each colour alone is as random as the background's.
 */
function texturePair(rng: Rng): [Rgb, Rgb] {
  const a = randomColour(rng);
  const shift = 100 + rng.int(61);
  const lum = (a[0] + a[1] + a[2]) / 3;
  const sign = lum + shift <= 255 ? 1 : lum - shift >= 0 ? -1 : lum < 128 ? 1 : -1;
  const b = a.map((v) => clamp(v + sign * shift)) as Rgb;
  return rng.next() < 0.5 ? [a, b] : [b, a];
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Renders one scene: RGB8 image and label (class ids, 255 on object boundaries). */
export function generateSyntheticSample(
  manifest: SyntheticManifest,
  split: "train" | "val",
  index: number,
): { image: Uint8Array; label: Uint8Array } {
  const { width: W, height: H, classes } = manifest;
  const rng = Rng.fromSeed(sampleSeed(manifest.seed, split === "train" ? 1 : 2, index));
  const S = Math.min(W, H);
  const image = new Uint8Array(W * H * 3);
  const cls = new Uint8Array(W * H);
  // Texture periods are 8-12 px at 64x64 (stripes 4-6 px wide: coarse enough to survive the
  // first stride-2 layers) and shrink with the image, never below 2 px.
  const minPeriod = Math.max(2, Math.round(S / 8));
  const maxPeriod = Math.max(minPeriod, Math.round(S / 5.3));
  const randomPeriod = (): number => minPeriod + rng.int(maxPeriod - minPeriod + 1);

  // Background: a smooth gradient between two random colours plus slow blotches; no fine texture.
  const [g0, g1] = colourPair(rng);
  const angle = rng.next() * Math.PI * 2;
  const dx = Math.cos(angle) / W;
  const dy = Math.sin(angle) / H;
  const fx = (2 * Math.PI * (0.5 + rng.next())) / S;
  const fy = (2 * Math.PI * (0.5 + rng.next())) / S;
  const ph = rng.next() * Math.PI * 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + (x - W / 2) * dx + (y - H / 2) * dy));
      const blot = 25 * Math.sin(x * fx + ph) * Math.cos(y * fy - ph);
      for (let c = 0; c < 3; c++) image[(y * W + x) * 3 + c] = clamp(g0[c]! * (1 - t) + g1[c]! * t + blot);
    }
  }

  // Objects: class weights 0.8^(k-1) make later classes rarer.
  const weights = Array.from({ length: classes - 1 }, (_, k) => Math.pow(0.8, k));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const count = classes > 1 ? 1 + rng.int(2) : 0;
  for (let o = 0; o < count; o++) {
    let pick = rng.next() * totalWeight;
    let k = 0;
    while (k < weights.length - 1 && pick >= weights[k]!) pick -= weights[k++]!;
    const classId = k + 1;
    const spec = CLASS_SPECS[classId]!;
    const shape = spec.shape!;
    // Centres keep away from the border so most of each object is visible.
    const cx = W * (0.15 + 0.7 * rng.next());
    const cy = H * (0.15 + 0.7 * rng.next());
    const theta = rng.next() * Math.PI * 2;
    const ct = Math.cos(theta);
    const st = Math.sin(theta);
    // Radius (disc, triangle) or half-size (box); bars are long and ~9-14 px thick at 64x64.
    const r =
      S *
      (spec.small ? 0.18 + 0.08 * rng.next() : 0.3 + 0.14 * rng.next()) *
      (shape === "triangle" ? 1.4 : 1);
    const halfU = shape === "bar" ? S * (0.12 + 0.06 * rng.next()) : r;
    const halfV = shape === "bar" ? 2 * S : shape === "box" ? r * (0.6 + 0.4 * rng.next()) : r;
    const [ca, cb] = texturePair(rng);
    const period = randomPeriod();
    const ox = rng.int(64);
    const oy = rng.int(64);
    const speckleSalt = rng.nextU32();
    // Bounding box of the shape (a bar may cross the whole image).
    const reach = shape === "bar" ? Infinity : shape === "box" ? Math.hypot(halfU, halfV) : r;
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(W, Math.ceil(cx + reach));
    const y0 = Math.max(0, Math.floor(cy - reach));
    const y1 = Math.min(H, Math.ceil(cy + reach));
    const half = period / 2;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const px = x + 0.5 - cx;
        const py = y + 0.5 - cy;
        const u = px * ct + py * st;
        const v = -px * st + py * ct;
        let inside: boolean;
        if (shape === "disc") inside = px * px + py * py <= r * r;
        else if (shape === "triangle") {
          // Equilateral, circumradius r: three half-planes at distance r/2 from the centre.
          inside = v <= r / 2 && -0.866 * u - 0.5 * v <= r / 2 && 0.866 * u - 0.5 * v <= r / 2;
        } else inside = Math.abs(u) <= halfU && Math.abs(v) <= halfV;
        if (!inside) continue;
        let on: boolean;
        switch (spec.texture) {
          case "hstripes":
            on = mod(y + oy, period) < half;
            break;
          case "vstripes":
            on = mod(x + ox, period) < half;
            break;
          case "checker":
            on = (Math.floor((x + ox) / half) + Math.floor((y + oy) / half)) % 2 === 0;
            break;
          case "diag":
            // Diagonal stripes, either direction (so a mirrored image keeps its labels).
            on = mod((ox & 1 ? x - y : x + y) + oy, period) < half;
            break;
          case "grid":
            on = mod(x + ox, period) < 1.5 || mod(y + oy, period) < 1.5;
            break;
          case "dots": {
            const ux = mod(x + ox, period) - half + 0.5;
            const uy = mod(y + oy, period) - half + 0.5;
            on = ux * ux + uy * uy <= (period * 0.35) ** 2;
            break;
          }
          case "rings":
            on = mod(Math.floor(Math.hypot(px, py)), period) < half;
            break;
          default:
            // 2x2-pixel speckle: coarse enough to survive the noise and a stride-2 stem.
            on = (hash2(x >> 1, y >> 1, speckleSalt) & 1) === 1;
        }
        const col = on ? ca : cb;
        const i = y * W + x;
        image[i * 3] = col[0];
        image[i * 3 + 1] = col[1];
        image[i * 3 + 2] = col[2];
        cls[i] = classId;
      }
    }
  }

  // Sensor noise and a global brightness/contrast jitter.
  const gain = 0.85 + 0.3 * rng.next();
  const bias = -20 + 40 * rng.next();
  for (let i = 0; i < image.length; i++) image[i] = clamp(image[i]! * gain + bias + 5 * rng.normal());

  // 1-pixel ignore band where a pixel's right or lower neighbour has another class.
  const label = new Uint8Array(cls);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if ((x + 1 < W && cls[i + 1] !== cls[i]) || (y + 1 < H && cls[i + W] !== cls[i])) {
        label[i] = SYNTHETIC_IGNORE_INDEX;
      }
    }
  }
  return { image, label };
}

function clamp(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

function hash2(x: number, y: number, salt: number): number {
  let h = (Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** PNG bytes via pngjs (deterministic: fixed deflate settings, no timestamps). */
export function encodePng(width: number, height: number, data: Uint8Array, channels: 1 | 3): Buffer {
  const colorType = channels === 1 ? 0 : 2;
  const png = { width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  return PNG.sync.write(png as unknown as PNG, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
    bitDepth: 8,
  });
}

/** Writes the whole dataset into `dir` (created; must not hold another dataset). */
function writeInto(dir: string, manifest: SyntheticManifest): void {
  for (const split of ["train", "val"] as const) {
    fs.mkdirSync(path.join(dir, "images", split), { recursive: true });
    fs.mkdirSync(path.join(dir, "labels", split), { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < manifest[split]; i++) {
      const { image, label } = generateSyntheticSample(manifest, split, i);
      const name = `${String(i).padStart(5, "0")}.png`;
      const img = `images/${split}/${name}`;
      const lbl = `labels/${split}/${name}`;
      fs.writeFileSync(path.join(dir, img), encodePng(manifest.width, manifest.height, image, 3));
      fs.writeFileSync(path.join(dir, lbl), encodePng(manifest.width, manifest.height, label, 1));
      lines.push(`${img} ${lbl}`);
    }
    fs.writeFileSync(path.join(dir, `${split}.list`), lines.join("\n") + (lines.length ? "\n" : ""));
  }
  fs.writeFileSync(
    path.join(dir, "README.md"),
    `# segnas synthetic dataset\n\nMade by \`segnas make-dataset synthetic\`. ${manifest.classes} classes ` +
      `(${manifest.classNames.join(", ")}), ignore index ${manifest.ignoreIndex}, ` +
      `${manifest.width}x${manifest.height}, seed ${manifest.seed}.\n` +
      `Config: DATASET.DATA_DIR = this folder, TRAIN_FILE_LIST = train.list, VAL_FILE_LIST = val.list, ` +
      `NUM_CLASSES = ${manifest.classes}.\n`,
  );
  // Written last: its presence marks a complete dataset.
  fs.writeFileSync(path.join(dir, "synthetic.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** The manifest of an existing synthetic dataset in `dir`, or null if it is not one. */
export function readSyntheticManifest(dir: string): SyntheticManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, "synthetic.json"), "utf8")) as SyntheticManifest;
    return m && m.format === "segnas-synthetic" ? m : null;
  } catch {
    return null;
  }
}

function sameManifest(a: SyntheticManifest, b: SyntheticManifest): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function datasetInfo(dir: string, manifest: SyntheticManifest, created: boolean): SyntheticDataset {
  return {
    dir,
    trainList: path.join(dir, "train.list"),
    valList: path.join(dir, "val.list"),
    manifest,
    created,
  };
}

/**
 * Makes the dataset in `dir` unless an identical one is there. Built in a temporary sibling
 * folder and renamed into place, so a crash or a concurrent run never leaves half a dataset.
 * `overwrite` replaces an existing synthetic dataset made with other options (never a folder
 * that is not a segnas synthetic dataset); one made by an older generator version is always
 * rebuilt.
 */
export async function ensureSyntheticDataset(
  dir: string,
  opts: SyntheticOptions = {},
  { overwrite = false }: { overwrite?: boolean } = {},
): Promise<SyntheticDataset> {
  const target = path.resolve(dir);
  const want = syntheticManifest(opts);
  if (fs.existsSync(target)) {
    const have = readSyntheticManifest(target);
    if (have !== null && sameManifest(have, want)) return datasetInfo(target, want, false);
    const empty = fs.statSync(target).isDirectory() && fs.readdirSync(target).length === 0;
    // A copy made by an older generator is stale, not the user's choice: rebuild it.
    const stale = have !== null && have.version !== SYNTHETIC_VERSION;
    if (!empty && (have === null || !(overwrite || stale))) {
      throw new DataError(
        have === null
          ? `${target} exists and is not a segnas synthetic dataset; choose another --out or remove it.`
          : `${target} holds a synthetic dataset made with other options; pass --force to replace it or choose another --out.`,
        { file: target },
      );
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    writeInto(tmp, want);
    if (fs.existsSync(target)) {
      // Only reached for an empty folder, a stale copy or `overwrite` of a synthetic dataset.
      const old = `${tmp}.old`;
      try {
        fs.renameSync(target, old);
        fs.renameSync(tmp, target);
      } catch (err) {
        // A concurrent run replaced it first: keep theirs if it is the same dataset.
        const have = readSyntheticManifest(target);
        if (have === null || !sameManifest(have, want)) throw err;
      } finally {
        fs.rmSync(old, { recursive: true, force: true });
      }
    } else {
      try {
        fs.renameSync(tmp, target);
      } catch (err) {
        // Another process finished first: keep theirs if it is the same dataset.
        const have = readSyntheticManifest(target);
        if (have === null || !sameManifest(have, want)) throw err;
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return datasetInfo(target, want, true);
}
