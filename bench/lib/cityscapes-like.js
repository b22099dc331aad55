// Cityscapes-sized synthetic street scenes for the data-pipeline benchmark: 2048x1024 RGB images
// (PNG like leftImg8bit, and JPEG q90) with 8-bit gray label maps of 19 train ids (255 on object
// borders). Sky gradient, buildings with windows, vegetation, poles, a road in perspective with
// lane marks, sidewalks and cars, plus sensor noise: what matters for the decoders is that the
// files compress like photos (~2-4 MB PNGs), not what the scene looks like. Seeded; cached in
// a folder (never committed) and reused when the manifest matches.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const VERSION = 1;
const W = 2048;
const H = 1024;
// Cityscapes train ids
const ROAD = 0;
const SIDEWALK = 1;
const BUILDING = 2;
const POLE = 5;
const VEGETATION = 8;
const SKY = 10;
const CAR = 13;

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function scene(seed) {
  const r = rng(seed * 2654435761);
  const img = new Float32Array(W * H * 3);
  const lbl = new Uint8Array(W * H);
  const put = (x, y, c, rgb) => {
    const i = y * W + x;
    lbl[i] = c;
    img[i * 3] = rgb[0];
    img[i * 3 + 1] = rgb[1];
    img[i * 3 + 2] = rgb[2];
  };
  const horizon = Math.floor(H * (0.42 + 0.08 * r()));
  // sky
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) put(x, y, SKY, [120 + y * 0.1, 160 + y * 0.06, 220 - y * 0.02]);
  // buildings
  for (let x = 0; x < W;) {
    const bw = 120 + Math.floor(r() * 300);
    const top = Math.floor(horizon * (0.1 + 0.6 * r()));
    const base = [90 + r() * 100, 80 + r() * 90, 70 + r() * 80];
    for (let y = top; y < horizon + 40 && y < H; y++)
      for (let xx = x; xx < Math.min(W, x + bw); xx++) {
        const win = (xx - x) % 40 > 8 && (xx - x) % 40 < 30 && (y - top) % 50 > 10 && (y - top) % 50 < 38;
        const f = win ? 0.55 : 1;
        put(xx, y, BUILDING, [base[0] * f, base[1] * f, base[2] * f]);
      }
    x += bw;
  }
  // vegetation blobs
  for (let k = 0; k < 5; k++) {
    const cx = r() * W;
    const cy = horizon - r() * 200;
    const rad = 60 + r() * 140;
    for (let y = Math.max(0, Math.floor(cy - rad)); y < Math.min(H, cy + rad); y++)
      for (let x = Math.max(0, Math.floor(cx - rad)); x < Math.min(W, cx + rad); x++) {
        const d = Math.hypot(x - cx, y - cy) / rad;
        if (d < 0.85 + 0.15 * Math.sin(x * 0.3) * Math.cos(y * 0.27))
          put(x, y, VEGETATION, [40 + 30 * Math.sin(x * 0.7), 110 + 40 * Math.cos(y * 0.5), 40]);
      }
  }
  // ground: road in perspective with sidewalks
  const vx = W * (0.4 + 0.2 * r());
  for (let y = horizon; y < H; y++) {
    const t = (y - horizon) / (H - horizon);
    const half = 20 + t * W * 0.7;
    for (let x = 0; x < W; x++) {
      const dx = x - vx;
      if (Math.abs(dx) < half) {
        const lane = Math.abs(Math.abs(dx) - half * 0.33) < 2 + 6 * t && Math.floor(t * 30) % 2 === 0;
        const g = lane ? 230 : 85 + 25 * t;
        put(x, y, ROAD, [g, g, g + 5]);
      } else if (Math.abs(dx) < half * 1.25) put(x, y, SIDEWALK, [170, 150, 160]);
    }
  }
  // poles
  for (let k = 0; k < 4; k++) {
    const px = Math.floor(r() * W);
    const top = Math.floor(horizon * 0.4 * r());
    const bottom = Math.min(H, horizon + 100 + Math.floor(r() * 200));
    for (let y = top; y < bottom; y++)
      for (let x = px; x < Math.min(W, px + 8); x++) put(x, y, POLE, [60, 60, 60]);
  }
  // cars
  for (let k = 0; k < 4; k++) {
    const t = 0.2 + 0.7 * r();
    const y0 = Math.floor(horizon + t * (H - horizon) * 0.8);
    const cw = Math.floor(80 + t * 400);
    const ch = Math.floor(cw * 0.5);
    const x0 = Math.floor(vx + (r() - 0.5) * W * 0.6 * t);
    const col = [r() * 255, r() * 255, r() * 255];
    for (let y = Math.max(0, y0 - ch); y < Math.min(H, y0); y++)
      for (let x = Math.max(0, x0); x < Math.min(W, x0 + cw); x++) {
        const glass = y < y0 - ch * 0.6 && x > x0 + cw * 0.15 && x < x0 + cw * 0.85;
        put(x, y, CAR, glass ? [40, 50, 60] : col);
      }
  }
  // borders -> 255 (like the coarse ignore bands of real labels)
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const c = lbl[i];
      out[i] = (x > 0 && lbl[i - 1] !== c) || (y > 0 && lbl[i - W] !== c) ? 255 : c;
    }
  // shading + sensor noise
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const shade = 0.85 + 0.15 * Math.sin(i * 0.00001 + seed);
    for (let c = 0; c < 3; c++) {
      const n = (r() + r() + r() - 1.5) * 6;
      const v = img[i * 3 + c] * shade + n;
      rgb[i * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { rgb, label: out };
}

/**
 * Makes (or reuses) `count` scenes in `dir`: images/NNN.png, images/NNN.jpg, labels/NNN.png,
 * png.list, jpg.list. Returns { dir, pngList, jpgList, pngBytes, jpgBytes }.
 */
async function ensureCityscapesLike(dir, count = 8) {
  const sharp = require("sharp");
  const manifestFile = path.join(dir, "manifest.json");
  const want = { version: VERSION, count, width: W, height: H };
  const res = { dir, pngList: path.join(dir, "png.list"), jpgList: path.join(dir, "jpg.list") };
  const sizes = () => {
    const sum = (ext) =>
      fs
        .readdirSync(path.join(dir, "images"))
        .filter((f) => f.endsWith(ext))
        .reduce((a, f) => a + fs.statSync(path.join(dir, "images", f)).size, 0) / count;
    return { ...res, pngBytes: sum(".png"), jpgBytes: sum(".jpg") };
  };
  try {
    if (JSON.stringify(JSON.parse(fs.readFileSync(manifestFile, "utf8"))) === JSON.stringify(want))
      return sizes();
  } catch {
    // not there yet
  }
  fs.mkdirSync(path.join(dir, "images"), { recursive: true });
  fs.mkdirSync(path.join(dir, "labels"), { recursive: true });
  const png = [];
  const jpg = [];
  for (let k = 0; k < count; k++) {
    const { rgb, label } = scene(k + 1);
    const name = String(k).padStart(3, "0");
    const raw = { raw: { width: W, height: H, channels: 3 } };
    await sharp(rgb, raw)
      .png({ compressionLevel: 6 })
      .toFile(path.join(dir, "images", `${name}.png`));
    await sharp(rgb, raw)
      .jpeg({ quality: 90 })
      .toFile(path.join(dir, "images", `${name}.jpg`));
    await sharp(label, { raw: { width: W, height: H, channels: 1 } })
      .toColourspace("b-w")
      .png({ compressionLevel: 6 })
      .toFile(path.join(dir, "labels", `${name}.png`));
    png.push(`images/${name}.png labels/${name}.png`);
    jpg.push(`images/${name}.jpg labels/${name}.png`);
  }
  fs.writeFileSync(res.pngList, `${png.join("\n")}\n`);
  fs.writeFileSync(res.jpgList, `${jpg.join("\n")}\n`);
  fs.writeFileSync(manifestFile, JSON.stringify(want));
  return sizes();
}

function defaultCacheDir() {
  return (
    process.env.SEGNAS_BENCH_CACHE ||
    path.join(os.tmpdir(), "segnas-bench-cache", `cityscapes-like-v${VERSION}`)
  );
}

module.exports = { ensureCityscapesLike, defaultCacheDir, WIDTH: W, HEIGHT: H };
