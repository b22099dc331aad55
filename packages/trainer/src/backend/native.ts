/**
 * Guarded run-time loading of the native TensorFlow backends. @tensorflow/tfjs-node(-gpu) are
 * never dependencies (their install downloads libtensorflow, which needs internet); when a user
 * installs one, it registers the "tensorflow" backend into the global tfjs engine that our
 * tfjs-core also uses. Every failure becomes a reason a user can act on.
 */
import { tf, TFJS_CORE_VERSION } from "./tf";

export type NativePackage = "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node";

export interface NativeLoaders {
  /** Resolves a package to a file, or throws MODULE_NOT_FOUND. */
  resolve(pkg: string): string;
  /** Loads a resolved file. */
  load(file: string): unknown;
}

export const defaultLoaders: NativeLoaders = {
  resolve: (pkg) => require.resolve(pkg, { paths: [process.cwd(), __dirname] }),
  load: (file) => require(file),
};

export type NativeLoad =
  | { ok: true; packageVersion?: string; coreVersion?: string; warning?: string }
  | { ok: false; reason: string };

const CUDA_HINT =
  "it needs CUDA 11.2 and cuDNN 8.1 (install them and add their lib directories to LD_LIBRARY_PATH)";

function installHint(pkg: NativePackage): string {
  const gpu = pkg.endsWith("-gpu") ? " (needs an NVIDIA GPU with CUDA 11.2 + cuDNN 8.1)" : "";
  return `run \`npm install ${pkg}@${TFJS_CORE_VERSION}\`${gpu}`;
}

/** Turns a load error into a reason a user can act on. */
export function explainLoadError(pkg: NativePackage, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split("\n")[0] ?? msg;
  const libs = Array.from(
    new Set(
      msg.match(
        /lib(?:cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse|nvinfer)[\w.]*\.so[\w.]*/g,
      ) ?? [],
    ),
  );
  if (libs.length > 0) {
    return `${pkg} is installed but ${libs.join(" / ")} not found: ${CUDA_HINT}`;
  }
  if (/libtensorflow[\w.]*\.so/.test(msg)) {
    return `${pkg} is installed but libtensorflow is missing (its install step downloads it and needs internet): reinstall it with internet access, \`npm rebuild ${pkg}\``;
  }
  if (/tfjs_binding\.node/.test(msg)) {
    return `${pkg} is installed but its native binding was not built or downloaded: \`npm rebuild ${pkg}\` (needs internet)`;
  }
  if (/GLIBC(XX)?_[\d.]+/.test(msg)) {
    return `${pkg}'s prebuilt libtensorflow needs a newer C library than this system has (${first}); use the wasm backend or a newer Linux`;
  }
  const missingDep = /Cannot find module '(@tensorflow\/[\w-]+)'/.exec(msg);
  if (missingDep && missingDep[1] !== pkg) {
    return `${pkg} is installed but its dependency ${missingDep[1]} is missing: run \`npm install ${missingDep[1]}@${TFJS_CORE_VERSION}\``;
  }
  return `${pkg} failed to load: ${first}`;
}

function isNotFound(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "MODULE_NOT_FOUND" && (e.message ?? "").includes(pkg);
}

const loaded = new Map<NativePackage, NativeLoad>();

/** Which native package registered the "tensorflow" backend in this process, if any. */
export function loadedNativePackage(): NativePackage | undefined {
  for (const [pkg, r] of loaded) if (r.ok) return pkg;
  return undefined;
}

/**
 * Requires a native package (once per process) and checks it registered a "tensorflow" backend
 * into our engine. Does not switch backends.
 */
export function loadNative(pkg: NativePackage, loaders: NativeLoaders = defaultLoaders): NativeLoad {
  const cached = loaded.get(pkg);
  if (cached) return cached;
  const result = loadUncached(pkg, loaders);
  loaded.set(pkg, result);
  return result;
}

function loadUncached(pkg: NativePackage, loaders: NativeLoaders): NativeLoad {
  let file: string;
  try {
    file = loaders.resolve(pkg);
  } catch (err) {
    if (isNotFound(err, pkg)) return { ok: false, reason: `not installed: ${installHint(pkg)}` };
    return { ok: false, reason: explainLoadError(pkg, err) };
  }
  let mod: { version?: Record<string, string> };
  try {
    mod = loaders.load(file) as typeof mod;
  } catch (err) {
    return { ok: false, reason: explainLoadError(pkg, err) };
  }
  const versions = mod?.version ?? {};
  const packageVersion = versions[pkg.replace("@tensorflow/", "")] ?? versions["tfjs-node"];
  const coreVersion = versions["tfjs-core"];
  if (tf.findBackendFactory("tensorflow") == null) {
    return {
      ok: false,
      reason:
        `${pkg}${packageVersion ? `@${packageVersion}` : ""} loaded but registered no "tensorflow" backend into this tfjs-core ` +
        `(${TFJS_CORE_VERSION}${coreVersion ? `; it uses ${coreVersion}` : ""}): run \`npm install ${pkg}@${TFJS_CORE_VERSION}\``,
    };
  }
  let warning: string | undefined;
  if (coreVersion && coreVersion !== TFJS_CORE_VERSION) {
    const major = (v: string) => v.split(".")[0];
    if (major(coreVersion) !== major(TFJS_CORE_VERSION)) {
      return {
        ok: false,
        reason: `${pkg} uses tfjs-core ${coreVersion}, this trainer ${TFJS_CORE_VERSION}: run \`npm install ${pkg}@${TFJS_CORE_VERSION}\``,
      };
    }
    warning = `${pkg} bundles tfjs-core ${coreVersion} but this trainer uses ${TFJS_CORE_VERSION}; kernels are shared through the global registry, but \`npm install ${pkg}@${TFJS_CORE_VERSION}\` is the tested combination`;
  }
  return { ok: true, packageVersion, coreVersion, warning };
}

/** After setBackend("tensorflow"): does TensorFlow run on a GPU? */
export function nativeUsesGpu(): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true;
}

/** For tests: forget what was loaded. */
export function resetNativeLoadsForTests(): void {
  loaded.clear();
}
