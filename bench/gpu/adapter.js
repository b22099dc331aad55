#!/usr/bin/env node
// Which WebGPU adapters Dawn (the `webgpu` package's dawn.node) finds here, per Dawn backend
// (Vulkan, OpenGL ES), without the rest of segnas: the GPU check's first answer to "does the GPU
// show up at all". Prints one JSON object with --json, else one line per backend.
"use strict";
const fs = require("fs");
const path = require("path");

async function probe(dawn, backend) {
  const opts =
    backend === "opengles"
      ? { featureLevel: "compatibility", powerPreference: "high-performance" }
      : { powerPreference: "high-performance" };
  try {
    const gpu = dawn.create([`backend=${backend}`]);
    const a = await gpu.requestAdapter(opts);
    if (!a) return { backend, adapter: null };
    const info = a.info || {};
    const out = {
      backend,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      maxBufferSize: a.limits ? Number(a.limits.maxBufferSize) : undefined,
      maxStorageBufferBindingSize: a.limits ? Number(a.limits.maxStorageBufferBindingSize) : undefined,
    };
    // Keep the instance alive until the adapter has been read (Dawn frees adapters with it).
    void gpu;
    return out;
  } catch (err) {
    return { backend, error: err instanceof Error ? err.message.split("\n")[0] : String(err) };
  }
}

async function main() {
  if (process.platform === "linux" && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = "surfaceless";
  const env = {};
  for (const k of [
    "VK_DRIVER_FILES",
    "VK_ICD_FILENAMES",
    "__EGL_VENDOR_LIBRARY_FILENAMES",
    "NVIDIA_DRIVER_CAPABILITIES",
  ])
    env[k] = process.env[k] ?? null;
  let dawnPath;
  let result;
  try {
    const pkg = path.dirname(require.resolve("webgpu/package.json"));
    dawnPath = path.join(pkg, "dist", `${process.platform}-${process.arch}`, "dawn.node");
    if (!fs.existsSync(dawnPath)) throw new Error(`no ${dawnPath}`);
    const dawn = require(dawnPath);
    result = { dawn: dawnPath, env, adapters: [await probe(dawn, "vulkan"), await probe(dawn, "opengles")] };
  } catch (err) {
    result = {
      dawn: dawnPath ?? null,
      env,
      error: err instanceof Error ? err.message.split("\n")[0] : String(err),
    };
  }
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else if (result.error) {
    process.stdout.write(`dawn.node did not load: ${result.error}\n`);
  } else {
    for (const a of result.adapters)
      process.stdout.write(
        a.error
          ? `${a.backend}: error ${a.error}\n`
          : a.adapter === null
            ? `${a.backend}: no adapter\n`
            : `${a.backend}: ${a.vendor} ${a.architecture} ${a.device} "${a.description}" maxBufferSize ${a.maxBufferSize}\n`,
      );
  }
  // dawn.node keeps threads alive; the answer is out.
  setTimeout(() => process.exit(0), 100);
}

main();
