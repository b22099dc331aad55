/**
 * The wasm backend in Node: the .wasm binaries are read from the installed
 * @tensorflow/tfjs-backend-wasm package directory (a file path, no fetch), so it works offline.
 * Node gets the single-threaded SIMD build (tfjs disables wasm threads in Node).
 */
import * as path from "node:path";
import * as wasmBackend from "@tensorflow/tfjs-backend-wasm";

let pathsSet = false;

/** Directory holding tfjs-backend-wasm's .wasm files (with a trailing separator). */
export function wasmBinaryDir(): string {
  const main = require.resolve("@tensorflow/tfjs-backend-wasm");
  return path.dirname(main) + path.sep;
}

/** Points tfjs-backend-wasm at its own package directory; call before the backend initialises. */
export function configureWasmPaths(): void {
  if (pathsSet) return;
  wasmBackend.setWasmPaths(wasmBinaryDir());
  pathsSet = true;
}

export const WASM_BACKEND_VERSION: string = wasmBackend.version_wasm;
