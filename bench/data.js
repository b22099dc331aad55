#!/usr/bin/env node
// Data-pipeline throughput (decode + augment + batch) in images/s, next to what training eats.
//
//   npm run bench:data [-- --set both|camvid|cityscapes] [--workers 1,2] [--decoders sharp,js]
//       [--formats png,jpg] [--images 24] [--inprocess-images N] [--train-img-s 10] [--train-ips X] [--train-json FILE]
//       [--cfg configs/cityscapes.yaml] [--cache DIR] [--json FILE] [--epochs 1] [--data DIR]
//
// camvid: ../shared/datasets/camvid-mini (128x96; a synthetic set when absent), in-process and
//   mpio, cold (decode every file) and warm (decoded-sample cache); target >= 10x training
//   (--train-img-s / SEGNAS_TRAIN_IMG_S, default 10: the wasm backend trains 6-9 img/s).
// cityscapes: Cityscapes-sized scenes (2048x1024 PNG and JPEG, made once in --cache, default
//   $TMPDIR/segnas-bench-cache) through configs/cityscapes.yaml's augmentation (stepscaling
//   0.5-2.0, crop 769x769, mirror), cold (a real Cityscapes epoch does not fit any cache), per
//   decoder (sharp = libvips, js = pngjs/jpeg-js): in-process (one core) and with each --workers
//   count of mpio threads. Printed next to the GPU's train rate: --train-ips X, or
//   --train-json FILE (bench:train --json output, e.g. from the GPU check), else none.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
// The data barrel only: no tfjs load, so the numbers are the pipeline's own.
const data = require("../packages/trainer/dist/data");
const config = require("../packages/config/dist");
const { ensureCityscapesLike, defaultCacheDir } = require("./lib/cityscapes-like");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const list = (s) =>
  String(s)
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
const cores = () => (os.availableParallelism ? os.availableParallelism() : os.cpus().length);

async function timeLoader(opts, loaderOpts, epochs, warm) {
  const loader = new data.DataLoader(opts, loaderOpts);
  try {
    // Warm-up epoch: starts the workers and, for cached runs, fills the cache (not timed).
    if (warm) for await (const _ of loader.epoch(1000)) void _;
    let images = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let e = 0; e < epochs; e++) for await (const b of loader.epoch(e)) images += b.n;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    // CPU seconds of the whole process (main thread, workers, libuv's pool): images per CPU-second
    // is the per-core rate even on a machine whose cores are shared with other work.
    const cpuSecs = (c.user + c.system) / 1e6;
    return { rate: images / secs, perCpuS: images / cpuSecs, decoder: loader.decoder, images, secs, cpuSecs };
  } finally {
    await loader.close();
  }
}

async function camvid(out) {
  const trainImgS = Number(arg("train-img-s", process.env.SEGNAS_TRAIN_IMG_S || 10));
  const epochs = Math.max(1, Number(arg("epochs", 1)));
  const workers = Number(list(arg("workers", String(data.defaultNumWorkers()))).pop());
  let dataDir = arg("data", path.resolve(__dirname, "..", "..", "shared", "datasets", "camvid-mini"));
  let tmp = null;
  let numClasses = 11;
  const crop = [128, 96];
  if (!fs.existsSync(path.join(dataDir, "train.list"))) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-bench-data-"));
    const ds = await data.ensureSyntheticDataset(path.join(tmp, "syn"), {
      train: 300,
      val: 10,
      width: 128,
      height: 96,
    });
    dataDir = ds.dir;
    numClasses = ds.manifest.classes;
    console.log(`camvid-mini not found; using a synthetic set in ${dataDir}`);
  }
  const opts = data.resolveDataOptions({
    dataDir,
    trainFileList: path.join(dataDir, "train.list"),
    valFileList: path.join(dataDir, "val.list"),
    numClasses,
    augMethod: "stepscaling",
    minScaleFactor: 0.5,
    maxScaleFactor: 2.0,
    scaleStepSize: 0.25,
    trainCropSize: crop,
    mirror: true,
    batchSize: 4,
  });
  const runs = [
    { name: "in-process, cold", mpio: false, cache: false },
    { name: "in-process, cached", mpio: false, cache: true },
    { name: `mpio x${workers}, cold`, mpio: true, cache: false },
    { name: `mpio x${workers}, cached`, mpio: true, cache: true },
  ];
  console.log(
    `camvid: ${dataDir} | train crop ${crop.join("x")} stepscaling 0.5-2.0, mirror, batch 4 | ` +
      `${cores()} cores, node ${process.version}`,
  );
  console.log(`training consumes ${trainImgS} img/s (--train-img-s / SEGNAS_TRAIN_IMG_S); target >= 10x\n`);
  console.log("pipeline                 img/s    x training");
  const results = [];
  for (const run of runs) {
    const r = await timeLoader(
      opts,
      {
        phase: "train",
        seed: 1,
        mpio: run.mpio,
        numWorkers: workers,
        cacheBytes: run.cache ? data.DEFAULT_CACHE_BYTES : 0,
      },
      epochs,
      run.cache || run.mpio,
    );
    results.push({ ...run, rate: r.rate, decoder: r.decoder });
    console.log(
      `${run.name.padEnd(22)} ${r.rate.toFixed(0).padStart(7)}  ${(r.rate / trainImgS).toFixed(1).padStart(8)}x`,
    );
  }
  const best = Math.max(...results.map((r) => r.rate));
  const base = results[0].rate;
  console.log(
    `\nmpio/in-process (cold): ${(results[2].rate / base).toFixed(2)}x; cache/cold (in-process): ` +
      `${(results[1].rate / base).toFixed(2)}x; best ${best.toFixed(0)} img/s = ${(best / trainImgS).toFixed(0)}x training ` +
      `(${best / trainImgS >= 10 ? "meets" : "MISSES"} the 10x target)\n`,
  );
  out.camvid = { dataDir, trainImgS, results };
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

/** Training img/s to compare with: --train-ips, or a bench:train --json file (its main run). */
function trainRate() {
  if (arg("train-ips") !== undefined) return { ips: Number(arg("train-ips")), from: "--train-ips" };
  const file = arg("train-json");
  if (file === undefined) return null;
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  const run = (j.runs || [])[0];
  if (!run || !(run.trainImgPerS > 0))
    throw new Error(`${file}: no runs[0].trainImgPerS (a bench:train --json file?)`);
  const c = j.config || {};
  return {
    ips: run.trainImgPerS,
    from: `${file}: ${run.backend}, ${c.height}x${c.width} batch ${c.batch} head ${c.head}`,
  };
}

async function cityscapes(out) {
  const cfgFile = arg("cfg", path.resolve(__dirname, "..", "configs", "cityscapes.yaml"));
  const loaded = config.loadConfig({ file: cfgFile, env: {} });
  const fromCfg = data.dataOptionsFromConfig((k) => config.getConfigValue(loaded.config, k));
  const n = Math.max(1, Number(arg("images", 24)));
  // In-process runs are the slow ones (one core): they may use fewer samples.
  const nHere = Math.max(1, Number(arg("inprocess-images", n)));
  const ds = await ensureCityscapesLike(arg("cache", defaultCacheDir()), 8);
  const workerCounts = list(
    arg("workers", [1, cores()].filter((v, i, a) => a.indexOf(v) === i).join(",")),
  ).map(Number);
  const decoders = list(arg("decoders", "sharp,js"));
  const formats = list(arg("formats", "png,jpg"));
  const train = trainRate();
  console.log(
    `cityscapes-sized: 8 scenes 2048x1024 in ${ds.dir} (PNG ${(ds.pngBytes / 1e6).toFixed(1)} MB, ` +
      `JPEG q90 ${(ds.jpgBytes / 1e6).toFixed(2)} MB each), ${n} samples per mpio run (${nHere} in-process), cold (no cache)`,
  );
  console.log(
    `  ${path.relative(process.cwd(), cfgFile) || cfgFile}: ${fromCfg.augMethod} ${fromCfg.minScaleFactor}-${fromCfg.maxScaleFactor} ` +
      `step ${fromCfg.scaleStepSize}, crop ${fromCfg.trainCropSize.join("x")}, mirror ${fromCfg.mirror}, batch ${fromCfg.batchSize} | ` +
      `${cores()} cores, node ${process.version}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE || "4 (default)"}`,
  );
  console.log(
    train
      ? `  training consumes ${train.ips.toFixed(2)} img/s (${train.from})\n`
      : "  training rate: none given (--train-ips X or --train-json FILE from bench:train on the GPU)\n",
  );
  console.log("  decoder format  pipeline         img/s  img/s per core  img/CPU-s   x training");
  const results = [];
  for (const decoder of decoders) {
    for (const format of formats) {
      const baseEntries = data.readFileList(format === "png" ? ds.pngList : ds.jpgList, {
        dataDir: ds.dir,
        separator: " ",
      });
      const take = (k) => Array.from({ length: k }, (_, i) => baseEntries[i % baseEntries.length]);
      const opts = data.resolveDataOptions({
        ...fromCfg,
        dataDir: ds.dir,
        trainFileList: ds.pngList,
        valFileList: ds.pngList,
      });
      const runs = [{ name: "in-process", mpio: false, workers: 1 }].concat(
        workerCounts.map((w) => ({ name: `mpio x${w}`, mpio: true, workers: w })),
      );
      for (const run of runs) {
        const r = await timeLoader(
          opts,
          {
            phase: "train",
            seed: 1,
            entries: take(run.mpio ? n : nHere),
            mpio: run.mpio,
            numWorkers: run.workers,
            prefetch: Math.max(2, run.workers * 2),
            cacheBytes: 0,
            decoder,
          },
          1,
          run.mpio,
        );
        const perCore = r.rate / run.workers;
        const row = {
          decoder: r.decoder,
          format,
          pipeline: run.name,
          workers: run.workers,
          imgPerS: r.rate,
          perCore,
          imgPerCpuS: r.perCpuS,
        };
        results.push(row);
        console.log(
          `  ${r.decoder.padEnd(7)} ${format.padEnd(6)}  ${run.name.padEnd(13)} ${r.rate.toFixed(1).padStart(8)}` +
            `${perCore.toFixed(1).padStart(16)}${r.perCpuS.toFixed(1).padStart(11)}${train ? `${(r.rate / train.ips).toFixed(2).padStart(12)}x` : ""}`,
        );
      }
    }
  }
  if (train) {
    // Cores the GPU needs fed, per decoder and format, from the per-core rate of the largest pool.
    console.log("");
    for (const decoder of new Set(results.map((r) => r.decoder))) {
      for (const format of formats) {
        const rows = results.filter(
          (r) => r.decoder === decoder && r.format === format && r.pipeline !== "in-process",
        );
        const top = rows[rows.length - 1];
        if (!top) continue;
        const need = train.ips / top.perCore;
        console.log(
          `  ${decoder} ${format}: ~${need.toFixed(1)} cores keep up with ${train.ips.toFixed(1)} train img/s ` +
            `(${need <= 8 ? "meets" : "MISSES"} the <= 8 cores target)`,
        );
      }
    }
  }
  out.cityscapes = { dir: ds.dir, pngBytes: ds.pngBytes, jpgBytes: ds.jpgBytes, samples: n, train, results };
}

async function main() {
  const set = arg("set", "both");
  const out = { node: process.version, cores: cores() };
  if (set === "both" || set === "camvid") await camvid(out);
  if (set === "both" || set === "cityscapes") await cityscapes(out);
  const json = arg("json");
  if (json) fs.writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
