#!/usr/bin/env node
// Builds the GPU check pack (npm run bench:gpu): everything the check needs on a GPU machine with
// no network and no Node.js, in at most 64 MiB. Output (git-ignored):
//
//   .gpu-pack/run.sh              the unattended check (bench/gpu/run.sh)
//   .gpu-pack/segnas-gpu.tar.xz   segnas-gpu/: bin/node (this machine's Node 20, stripped),
//                                 app/ (esbuild bundles of the CLI, bench:train, bench:data, the
//                                 data/trial worker scripts; node_modules/ with what cannot be
//                                 bundled: dawn.node, sharp + libvips, tfjs's .wasm files),
//                                 sys/ (libvulkan1, libegl1, libglvnd0, libgles2 from Debian,
//                                 unpacked with dpkg -x), torch/torch_segnet.py, configs/
//
//   npm run bench:gpu [-- --out DIR] [--smoke]     (--smoke: then runs the pack here, on wasm
//                                                    and torch on the CPU, tiny sizes)
//
// Copy the two files to the GPU machine and run `bash run.sh` there (docs/training-performance.md).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync, spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..", "..");
const LIMIT = 64 * 1024 * 1024;
const DEBS = ["libvulkan1", "libegl1", "libglvnd0", "libgles2"];

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const OUT = path.resolve(arg("out", path.join(ROOT, ".gpu-pack")));
const STAGE = path.join(OUT, "stage", "segnas-gpu");
const APP = path.join(STAGE, "app");
const say = (s) => process.stdout.write(`${s}\n`);
const mib = (n) => (n / 1048576).toFixed(1);

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", ...opts });
}

/** The installed folder of a package (looked up directly: some packages do not export package.json). */
function pkgDir(name) {
  for (const base of [path.join(ROOT, "packages", "trainer"), ROOT]) {
    const dir = path.join(base, "node_modules", name);
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
  }
  return null;
}

function copyPkg(name, filter = () => true) {
  const src = pkgDir(name);
  if (src === null) return false;
  const dst = path.join(APP, "node_modules", name);
  fs.cpSync(src, dst, {
    dereference: true, // a linked package (npm link, workspaces) travels as files
    recursive: true,
    filter: (p) =>
      !p.includes(`${path.sep}node_modules${path.sep}`, src.length) && filter(path.relative(src, p)),
  });
  return true;
}

function bundle() {
  const esbuild = require("esbuild");
  const entryPoints = {
    segnas: path.join(ROOT, "packages", "cli", "bin", "segnas.js"),
    "bench-train": path.join(ROOT, "bench", "train.js"),
    "bench-data": path.join(ROOT, "bench", "data.js"),
    "worker-entry": path.join(ROOT, "packages", "trainer", "dist", "data", "worker-entry.js"),
    "child-entry": path.join(ROOT, "packages", "trainer", "dist", "train", "child-entry.js"),
    adapter: path.join(__dirname, "adapter.js"),
    summarize: path.join(__dirname, "summarize.js"),
  };
  for (const [k, f] of Object.entries(entryPoints)) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing (entry ${k}); build first: npx tsc -b`);
  }
  // Native addons and packages located at run time by path stay outside the bundle (copied into
  // app/node_modules); optional native accelerators that are absent stay unresolved on purpose.
  const external = [
    "sharp",
    "webgpu",
    "@tensorflow/tfjs-node",
    "@tensorflow/tfjs-node-gpu",
    "msgpackr-extract",
    "pino-pretty",
    "node-fetch",
    // The report's renderers (a native addon and a large library), required lazily by
    // `segnas report` only: the GPU check never renders a report.
    "@resvg/resvg-js",
    "echarts",
  ];
  if (pkgDir("@tensorflow/tfjs-backend-webgpu") === null) external.push("@tensorflow/tfjs-backend-webgpu");
  const r = esbuild.buildSync({
    entryPoints,
    outdir: APP,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "none",
    external,
    logLevel: "error",
    metafile: true,
  });
  return Object.entries(r.metafile.outputs).reduce((a, [, o]) => a + o.bytes, 0);
}

function nativeModules() {
  const notes = [];
  // sharp: its JS + the prebuilt addon and libvips for linux-x64 (glibc), + its small deps.
  for (const p of [
    "sharp",
    "@img/sharp-linux-x64",
    "@img/sharp-libvips-linux-x64",
    "@img/colour",
    "detect-libc",
    "semver",
  ]) {
    if (!copyPkg(p, (rel) => !/^(src|docs)(\/|$)/.test(rel) && !rel.endsWith(".md")))
      notes.push(`${p} missing`);
  }
  // webgpu: package.json (located by require.resolve) and the linux-x64 dawn.node only.
  if (
    !copyPkg(
      "webgpu",
      (rel) =>
        rel === "" ||
        rel === "package.json" ||
        rel === "index.js" ||
        rel === "dist" ||
        rel.startsWith(`dist${path.sep}linux-x64`),
    )
  ) {
    notes.push("webgpu (dawn.node) missing: the pack cannot run the webgpu backend");
  }
  // tfjs-backend-wasm is bundled; its .wasm files are read from the package folder at run time.
  const wasm = pkgDir("@tensorflow/tfjs-backend-wasm");
  const wdst = path.join(APP, "node_modules", "@tensorflow", "tfjs-backend-wasm");
  const pj = JSON.parse(fs.readFileSync(path.join(wasm, "package.json"), "utf8"));
  fs.mkdirSync(path.join(wdst, path.dirname(pj.main)), { recursive: true });
  fs.writeFileSync(
    path.join(wdst, "package.json"),
    JSON.stringify({ name: pj.name, version: pj.version, main: pj.main }),
  );
  fs.writeFileSync(
    path.join(wdst, pj.main),
    "// bundled into app/*.js; this file only anchors require.resolve\n",
  );
  for (const f of fs
    .readdirSync(path.join(wasm, "dist"))
    .filter((f) => f.endsWith(".wasm") && !f.includes("threaded")))
    fs.copyFileSync(path.join(wasm, "dist", f), path.join(wdst, "dist", f));
  return notes;
}

function debs() {
  const cache = path.join(OUT, "cache", "debs");
  fs.mkdirSync(cache, { recursive: true });
  const have = () => fs.readdirSync(cache).filter((f) => f.endsWith(".deb"));
  const missing = DEBS.filter((d) => !have().some((f) => f.startsWith(`${d}_`)));
  if (missing.length > 0) {
    const archOpts = ["-oAPT::Architecture=amd64", "-oAPT::Architectures=amd64"];
    let r = spawnSync("apt-get", [...archOpts, "download", ...missing], { cwd: cache, encoding: "utf8" });
    if (r.status !== 0) {
      say("apt-get download failed; running apt-get update once and retrying");
      spawnSync("apt-get", [...archOpts, "update", "-qq"], { stdio: "inherit" });
      r = spawnSync("apt-get", [...archOpts, "download", ...missing], { cwd: cache, encoding: "utf8" });
    }
    if (r.status !== 0) throw new Error(`apt-get download ${missing.join(" ")} failed: ${r.stderr}`);
  }
  const sys = path.join(STAGE, "sys");
  for (const f of have()) run("dpkg", ["-x", path.join(cache, f), sys]);
  fs.rmSync(path.join(sys, "usr", "share", "doc"), { recursive: true, force: true });
  fs.rmSync(path.join(sys, "usr", "share", "lintian"), { recursive: true, force: true });
  return have();
}

function nodeBinary() {
  const file = run("file", ["-L", process.execPath]);
  if (!/ELF 64-bit LSB .*x86-64/.test(file))
    throw new Error(`${process.execPath} is not an x86-64 ELF: ${file}`);
  if (!process.version.startsWith("v20."))
    say(`warning: packing Node ${process.version} (the product targets Node 20)`);
  const libs = run("ldd", [process.execPath])
    .split("\n")
    .map((l) => l.trim().split(" ")[0])
    .filter(Boolean);
  const allowed =
    /^(linux-vdso\.so|libdl\.so|libstdc\+\+\.so|libm\.so|libgcc_s\.so|libpthread\.so|libc\.so|\/lib64\/ld-linux-x86-64\.so)/;
  const odd = libs.filter((l) => !allowed.test(l));
  if (odd.length)
    throw new Error(`${process.execPath} needs shared libraries a bare machine may lack: ${odd.join(", ")}`);
  fs.mkdirSync(path.join(STAGE, "bin"), { recursive: true });
  const dst = path.join(STAGE, "bin", "node");
  fs.copyFileSync(process.execPath, dst);
  spawnSync("strip", ["--strip-all", dst]);
  fs.chmodSync(dst, 0o755);
  const glibc = run("sh", [
    "-c",
    `objdump -T '${dst}' | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1`,
  ]).trim();
  return { version: process.version, glibc, libs };
}

/** Every symlink in the pack must point inside it (a link out works here and breaks there). */
function checkLinks(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) {
      const target = path.resolve(path.dirname(p), fs.readlinkSync(p));
      if (!target.startsWith(STAGE + path.sep)) throw new Error(`${p} links outside the pack (${target})`);
    } else if (e.isDirectory()) checkLinks(p);
  }
}

function gitCommit() {
  try {
    const c = run("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).trim();
    const dirty = run("git", ["status", "--porcelain"], { cwd: ROOT }).trim() ? "+dirty" : "";
    return c + dirty;
  } catch {
    return "unknown";
  }
}

function main() {
  const t0 = Date.now();
  fs.rmSync(path.join(OUT, "stage"), { recursive: true, force: true });
  fs.mkdirSync(APP, { recursive: true });
  const jsBytes = bundle();
  say(`bundled segnas (CLI, bench:train, bench:data, workers): ${mib(jsBytes)} MiB of JS`);
  const notes = nativeModules();
  const node = nodeBinary();
  say(
    `node ${node.version} (needs ${node.glibc}; links ${node.libs.length} system libraries, all of glibc/libstdc++)`,
  );
  const debFiles = debs();
  say(`Vulkan/EGL loaders: ${debFiles.join(", ")}`);
  fs.mkdirSync(path.join(STAGE, "torch"), { recursive: true });
  fs.copyFileSync(path.join(__dirname, "torch_segnet.py"), path.join(STAGE, "torch", "torch_segnet.py"));
  fs.mkdirSync(path.join(STAGE, "configs"), { recursive: true });
  fs.copyFileSync(
    path.join(ROOT, "configs", "cityscapes.yaml"),
    path.join(STAGE, "configs", "cityscapes.yaml"),
  );
  const manifest = {
    commit: gitCommit(),
    built: new Date().toISOString(),
    node: node.version,
    nodeGlibc: node.glibc,
    debs: debFiles,
    webgpu: fs.existsSync(path.join(APP, "node_modules", "webgpu", "dist", "linux-x64", "dawn.node")),
    tfjsBackendWebgpuBundled: pkgDir("@tensorflow/tfjs-backend-webgpu") !== null,
    notes,
  };
  fs.writeFileSync(path.join(STAGE, "MANIFEST.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const n of notes) say(`warning: ${n}`);

  checkLinks(STAGE);
  const tarball = path.join(OUT, "segnas-gpu.tar.xz");
  fs.rmSync(tarball, { force: true });
  say("compressing (xz -6)...");
  const threads = String(Math.max(1, Math.min(os.cpus().length, 4)));
  run("sh", ["-c", `tar -C '${path.dirname(STAGE)}' -cf - segnas-gpu | xz -6 -T${threads} > '${tarball}'`]);
  fs.copyFileSync(path.join(__dirname, "run.sh"), path.join(OUT, "run.sh"));
  fs.chmodSync(path.join(OUT, "run.sh"), 0o755);
  const unpacked = Number(run("du", ["-sb", STAGE]).split("\t")[0]);
  fs.rmSync(path.join(OUT, "stage"), { recursive: true, force: true });
  const total = fs.statSync(tarball).size + fs.statSync(path.join(OUT, "run.sh")).size;
  say(
    `pack: ${tarball} ${mib(fs.statSync(tarball).size)} MiB (${mib(unpacked)} MiB unpacked) + run.sh = ${mib(total)} MiB ` +
      `of the 64 MiB allowed (${total <= LIMIT ? "fits" : "TOO BIG"}); built in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  if (total > LIMIT) process.exit(1);
  say(
    `on the GPU machine: copy ${OUT}/run.sh and ${OUT}/segnas-gpu.tar.xz to one folder, then: OUT=/some/dir bash run.sh`,
  );
  if (process.argv.includes("--smoke")) {
    say(
      `\nsmoke run here (${process.env.SEGNAS_GPU_BACKEND || "wasm"} backend, torch on the CPU, tiny sizes):`,
    );
    const r = spawnSync("bash", [path.join(OUT, "run.sh"), path.join(OUT, "smoke-out")], {
      stdio: "inherit",
      env: {
        ...process.env,
        SEGNAS_GPU_BACKEND: process.env.SEGNAS_GPU_BACKEND || "wasm",
        SEGNAS_TORCH_DEVICE: process.env.SEGNAS_TORCH_DEVICE || "cpu",
        SEGNAS_GPU_SMOKE: "1",
        SEGNAS_GPU_BUDGET_S: process.env.SEGNAS_GPU_BUDGET_S || "900",
        SEGNAS_PYTHON: process.env.SEGNAS_PYTHON || "/usr/bin/python3",
      },
    });
    process.exit(r.status ?? 1);
  }
}

main();
