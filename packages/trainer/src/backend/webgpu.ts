/**
 * The webgpu backend: @tensorflow/tfjs-backend-webgpu over Dawn's Node binding (the `webgpu`
 * npm package ships `dist/<platform>-<arch>/dawn.node`; nothing is downloaded). Everything here
 * is loaded at selection time, never on import.
 *
 * Why the adapter and device are made here rather than by tfjs's own factory: tfjs 4.22 asks
 * for a core-feature-level adapter (OpenGL ES adapters need `featureLevel: "compatibility"`),
 * cannot pick one adapter among several, and copies only six of the adapter's limits (in
 * compatibility mode the defaults of the others, e.g. 4 storage buffers per stage, are too low
 * for its kernels). So segnas requests the adapter itself (Vulkan first, then OpenGL ES),
 * requests a device with all of the adapter's limits, and registers a `webgpu` tfjs backend
 * built on that device. Device loss and uncaptured errors (out of memory, validation) are
 * recorded and turned into a typed error by {@link assertWebgpuHealthy} after each step.
 *
 * Adapter choice by index (SEGNAS_GPU_INDEX, set by `segnas worker --gpus`): Dawn's Node binding
 * has no enumeration API, but an `adapter=` flag naming no adapter makes requestAdapter fail
 * with the list of every adapter it found; that list is the enumeration, and `adapter=<name>`
 * then picks one. Dawn matches names, so identical GPUs cannot be told apart this way: index 0
 * always works, a higher index of a repeated name is refused with what to do instead.
 */
import * as path from "node:path";
import { SegnasError } from "@segnas/core";
import { tf } from "./tf";

/** Dawn backends tried in this order on Linux. */
export const DAWN_BACKENDS = ["vulkan", "opengles"] as const;
export type DawnBackend = (typeof DAWN_BACKENDS)[number];

/** What segnas knows about one adapter Dawn sees. */
export interface AdapterFacts {
  readonly index: number;
  readonly backend: string;
  /** The name Dawn lists and matches with `adapter=`. */
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** "cpu" for software rasterisers (llvmpipe, lavapipe, SwiftShader), else "gpu". */
  readonly type: "gpu" | "cpu";
  readonly fallback: boolean;
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

export interface AdapterListing {
  readonly adapters: AdapterFacts[];
  /** Why a Dawn backend gave nothing (missing libvulkan, no EGL, ...). */
  readonly problems: string[];
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface GpuLike {
  requestAdapter(opts?: Record<string, unknown>): Promise<AdapterLike | null>;
}
interface AdapterLike {
  readonly info: Record<string, unknown>;
  readonly limits: Record<string, number>;
  readonly features: Set<string>;
  readonly isFallbackAdapter?: boolean;
  requestDevice(desc?: Record<string, unknown>): Promise<DeviceLike>;
}
interface DeviceLike {
  readonly lost: Promise<{ reason: string; message: string }>;
  readonly limits: Record<string, number>;
  onuncapturederror: ((ev: { error: { message: string; constructor: { name: string } } }) => void) | null;
  destroy(): void;
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|null-backend|\bcpu\b/i;

/** The limits segnas asks the device for (every one the adapter reports, at its value). */
const LIMIT_NAMES = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxUniformBufferBindingSize",
  "maxStorageBuffersPerShaderStage",
  "maxUniformBuffersPerShaderStage",
  "maxBindingsPerBindGroup",
  "maxBindGroups",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageTexturesPerShaderStage",
  "maxSampledTexturesPerShaderStage",
  "maxDynamicStorageBuffersPerPipelineLayout",
  "maxDynamicUniformBuffersPerPipelineLayout",
] as const;

let dawn: DawnModule | undefined;

/** Directory of the installed `webgpu` package's Dawn binary for this platform. */
export function dawnBinaryPath(): string {
  const pkg = path.dirname(require.resolve("webgpu/package.json"));
  const arch = process.platform === "darwin" ? "universal" : process.arch;
  return path.join(pkg, "dist", `${process.platform}-${arch}`, "dawn.node");
}

/** Loads dawn.node (the `webgpu` package's index is ESM; its native addon is plain CommonJS). */
export function loadDawn(): DawnModule {
  if (dawn) return dawn;
  // EGL without a display: Mesa's surfaceless platform (OpenGL ES adapters, CI's llvmpipe).
  if (process.platform === "linux" && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = "surfaceless";
  dawn = require(dawnBinaryPath()) as DawnModule;
  return dawn;
}

function firstLine(err: unknown): string {
  return err instanceof Error ? (err.message.split("\n")[0] as string) : String(err);
}

function adapterOptions(backend: string): Record<string, unknown> {
  return backend === "opengles" || backend === "opengl"
    ? { featureLevel: "compatibility", powerPreference: "high-performance" }
    : { powerPreference: "high-performance" };
}

function flagsFor(backend: string, adapterName: string | undefined, extra: readonly string[]): string[] {
  const flags = [`backend=${backend}`, ...extra];
  if (adapterName !== undefined) flags.push(`adapter=${adapterName}`);
  return flags;
}

/** Parses Dawn's "Available adapters:" list (" * backend: 'vulkan', name: 'NVIDIA H200'"). */
export function parseAdapterList(message: string): { backend: string; name: string }[] {
  const out: { backend: string; name: string }[] = [];
  for (const m of message.matchAll(/\* backend: '([^']*)', name: '([^']*)'/g)) {
    out.push({ backend: m[1] as string, name: m[2] as string });
  }
  return out;
}

function factsOf(
  index: number,
  backend: string,
  name: string,
  a: AdapterLike,
): Omit<AdapterFacts, "index"> & { index: number } {
  const info = a.info ?? {};
  const str = (k: string) => (typeof info[k] === "string" ? (info[k] as string) : "");
  const fallback = Boolean(info.isFallbackAdapter ?? a.isFallbackAdapter ?? false);
  const text = `${name} ${str("device")} ${str("description")}`;
  return {
    index,
    backend,
    name,
    vendor: str("vendor"),
    architecture: str("architecture"),
    device: str("device"),
    description: str("description"),
    type: fallback || backend === "null" || SOFTWARE.test(text) ? "cpu" : "gpu",
    fallback,
    maxBufferSize: Number(a.limits.maxBufferSize),
    maxStorageBufferBindingSize: Number(a.limits.maxStorageBufferBindingSize),
  };
}

const NO_SUCH_ADAPTER = "segnas-list-adapters";

/**
 * Every adapter Dawn sees, Vulkan ones first, in Dawn's order (the order SEGNAS_GPU_INDEX counts
 * in). `extraFlags` reach Dawn's `create` (tests use them).
 */
export async function listAdapters(extraFlags: readonly string[] = []): Promise<AdapterListing> {
  const d = loadDawn();
  const adapters: AdapterFacts[] = [];
  const problems: string[] = [];
  for (const backend of DAWN_BACKENDS) {
    let names: { backend: string; name: string }[] = [];
    try {
      const a = await d
        .create(flagsFor(backend, NO_SUCH_ADAPTER, extraFlags))
        .requestAdapter(adapterOptions(backend));
      if (a) names = [{ backend, name: String(a.info?.device ?? "") }];
      else problems.push(`${backend}: Dawn found no adapter`);
    } catch (err) {
      names = parseAdapterList(err instanceof Error ? err.message : String(err));
      if (names.length === 0) problems.push(`${backend}: ${firstLine(err)}`);
    }
    for (const n of names) {
      try {
        const a = await d
          .create(flagsFor(backend, n.name, extraFlags))
          .requestAdapter(adapterOptions(backend));
        if (a) adapters.push(factsOf(adapters.length, n.backend, n.name, a));
      } catch (err) {
        problems.push(`${backend} adapter '${n.name}': ${firstLine(err)}`);
      }
    }
  }
  return { adapters, problems };
}

/** State of the device the webgpu backend runs on (one per process). */
interface DeviceHealth {
  lost?: string;
  error?: string;
}
let health: DeviceHealth | undefined;
let activeDevice: DeviceLike | undefined;
// Dawn's instance (what create() returns) must outlive every adapter and device made from it:
// once it is garbage-collected, using the device crashes the process.
let activeGpu: GpuLike | undefined;

/** True while a Dawn instance is held (the webgpu backend was initialised in this process). */
export function webgpuInitialised(): boolean {
  return activeGpu !== undefined;
}
let activeAdapter: AdapterFacts | undefined;

/**
 * A lost device or an uncaptured GPU error (out of memory, validation) on the webgpu backend:
 * the trial fails with SEGNAS_E_TRAINING and this reason; the worker process lives on (each
 * trial has its own child process, hence its own device).
 */
export class GpuDeviceError extends SegnasError<{ reason: string }> {
  constructor(reason: string) {
    super(
      "SEGNAS_E_TRAINING",
      `${reason}; if it ran out of memory, try a smaller BATCH_SIZE or TRAIN_CROP_SIZE`,
      { reason },
    );
  }
}

/**
 * Throws GpuDeviceError when the webgpu device was lost or reported an error since it was made;
 * a no-op on other backends. The training loop calls it after each step's (async) loss read.
 */
export function assertWebgpuHealthy(): void {
  if (!health || tf.getBackend() !== "webgpu") return;
  if (health.lost) throw new GpuDeviceError(`the GPU device was lost: ${health.lost}`);
  if (health.error) throw new GpuDeviceError(`the GPU reported an error: ${health.error}`);
}

/**
 * Awaits a read of GPU data; when it fails on webgpu (a lost device aborts pending reads before
 * `device.lost` settles), waits briefly for the device's own account and throws that instead.
 */
export async function readOnDevice<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    const device = activeDevice;
    if (device && tf.getBackend() === "webgpu") {
      await Promise.race([device.lost, new Promise((r) => setTimeout(r, 2000).unref())]);
      await new Promise((r) => setImmediate(r));
      assertWebgpuHealthy();
    }
    throw err;
  }
}

/** The adapter the active webgpu backend runs on, if any. */
export function activeWebgpuAdapter(): AdapterFacts | undefined {
  return activeAdapter;
}

/** Test hook: destroys the active device (Dawn then resolves `device.lost`). */
export function destroyWebgpuDeviceForTests(): void {
  activeDevice?.destroy();
}

/** GPU bytes the webgpu backend holds (in use and allocated, its buffer pool included). */
export function webgpuMemory(): { bytesInUse: number; bytesAllocated: number } | undefined {
  if (tf.getBackend() !== "webgpu") return undefined;
  const m = tf.memory() as { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return { bytesInUse: m.numBytesInGPU ?? 0, bytesAllocated: m.numBytesAllocatedInGPU ?? 0 };
}

export interface WebgpuInit {
  readonly allowSoftware: boolean;
  /** Environment for SEGNAS_GPU_INDEX / SEGNAS_WEBGPU_FLAGS (default process.env). */
  readonly env?: Record<string, string | undefined>;
}

export type WebgpuAttempt =
  | { ok: true; adapter: AdapterFacts; details: Record<string, string | boolean | number> }
  | { ok: false; reason: string };

/** Extra Dawn flags from SEGNAS_WEBGPU_FLAGS (comma-separated create() flags, e.g. backend=null). */
function extraFlagsFrom(env: Record<string, string | undefined>): string[] {
  const v = env.SEGNAS_WEBGPU_FLAGS;
  return v ? v.split(/\s*;\s*|\s+/).filter((s) => s !== "") : [];
}

async function chooseAdapter(
  d: DawnModule,
  env: Record<string, string | undefined>,
): Promise<
  { ok: true; gpu: GpuLike; adapter: AdapterLike; facts: AdapterFacts } | { ok: false; reason: string }
> {
  const extra = extraFlagsFrom(env);
  const indexText = env.SEGNAS_GPU_INDEX;
  const forced = extra.find((f) => f.startsWith("backend="))?.slice("backend=".length);
  const backends: string[] = forced ? [forced] : [...DAWN_BACKENDS];
  const rest = extra.filter((f) => !f.startsWith("backend="));
  if (indexText !== undefined && indexText.trim() !== "") {
    const index = Number(indexText);
    if (!Number.isInteger(index) || index < 0) {
      return { ok: false, reason: `SEGNAS_GPU_INDEX=${indexText} is not a GPU index (0, 1, ...)` };
    }
    const listing = await listAdapters(extra);
    const wanted = listing.adapters[index];
    if (!wanted) {
      const seen = listing.adapters.map((a) => `${a.index}: ${a.backend} '${a.name}'`).join(", ") || "none";
      return {
        ok: false,
        reason: `SEGNAS_GPU_INDEX=${index} but Dawn sees ${listing.adapters.length} adapter(s) (${seen}); run \`segnas doctor\``,
      };
    }
    const first = listing.adapters.findIndex((a) => a.backend === wanted.backend && a.name === wanted.name);
    if (first !== index) {
      return {
        ok: false,
        reason: `SEGNAS_GPU_INDEX=${index}: adapters ${first} and ${index} are both '${wanted.name}' and Dawn picks adapters by name; give each worker one GPU from outside (one container per GPU with NVIDIA_VISIBLE_DEVICES=${index}) and leave SEGNAS_GPU_INDEX unset`,
      };
    }
    const gpu = d.create(flagsFor(wanted.backend, wanted.name, rest));
    const a = await gpu.requestAdapter(adapterOptions(wanted.backend));
    if (!a) return { ok: false, reason: `Dawn no longer offers adapter ${index} ('${wanted.name}')` };
    return { ok: true, gpu, adapter: a, facts: wanted };
  }
  const problems: string[] = [];
  for (const backend of backends) {
    try {
      const gpu = d.create(flagsFor(backend, undefined, rest));
      const a = await gpu.requestAdapter(adapterOptions(backend));
      if (a)
        return { ok: true, gpu, adapter: a, facts: factsOf(0, backend, String(a.info?.device ?? ""), a) };
      problems.push(`${backend}: no adapter`);
    } catch (err) {
      problems.push(`${backend}: ${firstLine(err)}`);
    }
  }
  return {
    ok: false,
    reason: `Dawn found no WebGPU adapter (${problems.join("; ")}); on NVIDIA install the Vulkan loader (libvulkan1) and, in containers, set NVIDIA_DRIVER_CAPABILITIES to include graphics; for Mesa's software GL install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri`,
  };
}

async function makeDevice(a: AdapterLike): Promise<DeviceLike> {
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMIT_NAMES) {
    const v = a.limits[k];
    if (typeof v === "number" && Number.isFinite(v)) requiredLimits[k] = v;
  }
  return a.requestDevice({ requiredFeatures: [], requiredLimits });
}

let registered = false;

/**
 * Loads Dawn and tfjs-backend-webgpu, picks an adapter, makes a device with the adapter's own
 * limits and switches tfjs to it. A software adapter is refused unless `allowSoftware`.
 */
export async function initWebgpu(opts: WebgpuInit): Promise<WebgpuAttempt> {
  const env = opts.env ?? process.env;
  if (registered && activeAdapter) {
    if (activeAdapter.type === "cpu" && !opts.allowSoftware) return softwareRefusal(activeAdapter);
    await tf.setBackend("webgpu");
    return { ok: true, adapter: activeAdapter, details: detailsOf(activeAdapter) };
  }
  let d: DawnModule;
  try {
    d = loadDawn();
  } catch (err) {
    return {
      ok: false,
      reason: `the webgpu package's Dawn binary did not load (${firstLine(err)}); run \`npm install\` (webgpu ships dawn.node for linux-x64, linux-arm64, darwin and win32)`,
    };
  }
  let chosen;
  try {
    chosen = await chooseAdapter(d, env);
  } catch (err) {
    return { ok: false, reason: `Dawn failed while looking for adapters: ${firstLine(err)}` };
  }
  if (!chosen.ok) return chosen;
  if (chosen.facts.type === "cpu" && !opts.allowSoftware) return softwareRefusal(chosen.facts);
  let device: DeviceLike;
  try {
    device = await makeDevice(chosen.adapter);
  } catch (err) {
    return { ok: false, reason: `adapter '${chosen.facts.name}' refused a device: ${firstLine(err)}` };
  }
  const state: DeviceHealth = {};
  void device.lost.then((info) => {
    state.lost = `${info.reason}${info.message ? `: ${info.message}` : ""}`;
  });
  device.onuncapturederror = (ev) => {
    state.error ??= `${ev.error.constructor?.name ?? "GPUError"}: ${ev.error.message}`;
  };
  // tfjs-backend-webgpu registers itself at import time only if navigator.gpu exists, and its
  // backend constructor checks it again: set Dawn's globals and navigator first.
  Object.assign(globalThis, d.globals);
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  activeGpu = chosen.gpu;
  if (!g.navigator?.gpu) {
    Object.defineProperty(globalThis, "navigator", {
      value: { ...(g.navigator ?? {}), gpu: chosen.gpu },
      configurable: true,
      writable: true,
    });
  }
  let webgpuModule: { WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend };
  try {
    webgpuModule = require("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    device.destroy();
    return {
      ok: false,
      reason: `@tensorflow/tfjs-backend-webgpu did not load (${firstLine(err)}); run \`npm install\``,
    };
  }
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  const info = chosen.adapter.info;
  tf.registerBackend("webgpu", () => new webgpuModule.WebGPUBackend(device, info), 0);
  registered = true;
  try {
    if (!(await tf.setBackend("webgpu"))) throw new Error("setBackend returned false");
    await tf.ready();
  } catch (err) {
    tf.removeBackend("webgpu");
    registered = false;
    device.destroy();
    return { ok: false, reason: `tfjs could not initialise the webgpu backend: ${firstLine(err)}` };
  }
  health = state;
  activeDevice = device;
  activeAdapter = chosen.facts;
  return { ok: true, adapter: chosen.facts, details: detailsOf(chosen.facts) };
}

function softwareRefusal(a: AdapterFacts): WebgpuAttempt {
  return {
    ok: false,
    reason: `the only WebGPU adapter is a software rasteriser (${a.backend} '${a.name}'), slower than wasm: auto skips it; use --backend webgpu (SEGNAS_BACKEND=webgpu) to use it anyway`,
  };
}

function detailsOf(a: AdapterFacts): Record<string, string | boolean | number> {
  return {
    package: "@tensorflow/tfjs-backend-webgpu",
    adapter: a.name,
    dawnBackend: a.backend,
    adapterType: a.type,
    vendor: a.vendor,
    maxBufferSize: a.maxBufferSize,
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    gpu: a.type === "gpu",
  };
}
