/**
 * Who this worker is and what it trains on, for hello, logs and status. One worker per GPU:
 * start each with its own CUDA_VISIBLE_DEVICES / SEGNAS_GPU_INDEX (or `segnas worker --gpus 0,1,...`,
 * which sets both: CUDA_VISIBLE_DEVICES steers tfjs-node-gpu, SEGNAS_GPU_INDEX the webgpu adapter).
 */
import * as os from "node:os";

/** Stable for the life of the process (reused across reconnects); includes the GPU when pinned. */
export function defaultWorkerId(env: NodeJS.ProcessEnv = process.env): string {
  const gpu = env.CUDA_VISIBLE_DEVICES || env.SEGNAS_GPU_INDEX;
  return `${os.hostname()}:${process.pid}${gpu !== undefined && gpu !== "" ? `:gpu${gpu}` : ""}`;
}

/** The device in words, e.g. "GPU 1 (CUDA_VISIBLE_DEVICES=1)" or "CPU: 2 x Intel(R) Xeon(R) ...". */
export function describeDevice(backend: string, env: NodeJS.ProcessEnv = process.env): string {
  const gpuIndex = env.SEGNAS_GPU_INDEX;
  if (gpuIndex !== undefined && gpuIndex !== "" && /webgpu/i.test(backend))
    return `GPU ${gpuIndex} (SEGNAS_GPU_INDEX=${gpuIndex}, webgpu adapter)`;
  const gpu = env.CUDA_VISIBLE_DEVICES;
  const wantsGpu = /gpu|tensorflow|webgl|webgpu|cuda/i.test(backend) || backend === "auto";
  if (gpu !== undefined && gpu !== "" && wantsGpu) return `GPU ${gpu} (CUDA_VISIBLE_DEVICES=${gpu})`;
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() || "unknown CPU";
  return `CPU: ${cpus.length} x ${model}`;
}
