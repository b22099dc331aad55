/** TensorFlow.js backends: selection with proofs, the shared tfjs instance, wasm setup. */
export { tf, TFJS_CORE_VERSION, currentBackendName } from "./tf";
export {
  selectBackend,
  tryBackend,
  BACKEND_KINDS,
  BACKEND_PREFERENCES,
  type BackendKind,
  type BackendPreference,
  type BackendSelection,
  type BackendLogger,
  type RejectedBackend,
  type SelectBackendOptions,
} from "./select-backend";
export { BackendError } from "./errors";
export { explainLoadError, type NativeLoaders, type NativePackage } from "./native";
export { configureWasmPaths, wasmBinaryDir, WASM_BACKEND_VERSION } from "./wasm";
export { probeCurrentBackend } from "./probe";
export {
  listAdapters,
  activeWebgpuAdapter,
  webgpuMemory,
  GpuDeviceError,
  type AdapterFacts,
  type AdapterListing,
} from "./webgpu";
