#!/usr/bin/env node
// Data-pipeline throughput: decode + augment + batch, in images/s, in-process and with mpio
// (worker threads), cold (decode every file) and warm (decoded-sample cache), next to what
// training consumes. Target: the pipeline delivers >= 10x what training eats, so it never stalls.
//
//   npm run bench:data [-- --train-img-s 9] [--epochs 2] [--workers 4] [--data DIR]
//   SEGNAS_TRAIN_IMG_S=9 npm run bench:data
//
// Data: ../shared/datasets/camvid-mini (128x96, 367 train images) when present, else a synthetic
// set made in a temp folder. Training consumption defaults to 10 img/s (WASM-NOTES.md measures
// 6-9 train img/s for the stock network on the wasm backend).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
// The data barrel only: no tfjs load, so the numbers are the pipeline's own.
const data = require("../packages/trainer/dist/data");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

async function main() {
  const trainImgS = Number(arg("train-img-s", process.env.SEGNAS_TRAIN_IMG_S || 10));
  const epochs = Math.max(1, Number(arg("epochs", 1)));
  const workers = Number(arg("workers", data.defaultNumWorkers()));
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
    `data: ${dataDir} | train crop ${crop.join("x")} stepscaling 0.5-2.0, mirror, batch 4 | ` +
      `${os.availableParallelism ? os.availableParallelism() : os.cpus().length} cores, node ${process.version}`,
  );
  console.log(`training consumes ${trainImgS} img/s (--train-img-s / SEGNAS_TRAIN_IMG_S); target >= 10x\n`);
  console.log("pipeline                 img/s    x training");
  const results = [];
  for (const run of runs) {
    const loader = new data.DataLoader(opts, {
      phase: "train",
      seed: 1,
      mpio: run.mpio,
      numWorkers: workers,
      cacheBytes: run.cache ? data.DEFAULT_CACHE_BYTES : 0,
    });
    try {
      // Warm-up epoch: starts the workers and, for cached runs, fills the cache (not timed).
      if (run.cache || run.mpio) for await (const _ of loader.epoch(1000)) void _;
      let images = 0;
      const t0 = process.hrtime.bigint();
      for (let e = 0; e < epochs; e++) for await (const b of loader.epoch(e)) images += b.n;
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const rate = images / secs;
      results.push({ ...run, rate });
      console.log(
        `${run.name.padEnd(22)} ${rate.toFixed(0).padStart(7)}  ${(rate / trainImgS).toFixed(1).padStart(8)}x`,
      );
    } finally {
      await loader.close();
    }
  }
  const best = Math.max(...results.map((r) => r.rate));
  const base = results[0].rate;
  console.log(
    `\nmpio/in-process (cold): ${(results[2].rate / base).toFixed(2)}x; cache/cold (in-process): ` +
      `${(results[1].rate / base).toFixed(2)}x; best ${best.toFixed(0)} img/s = ${(best / trainImgS).toFixed(0)}x training ` +
      `(${best / trainImgS >= 10 ? "meets" : "MISSES"} the 10x target)`,
  );
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
