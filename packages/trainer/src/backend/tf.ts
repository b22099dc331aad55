/**
 * The one tfjs-core instance the trainer uses. Every trainer module imports `tf` from here, so
 * backends loaded at run time (wasm, or tfjs-node through a guarded require) register into the
 * same engine: tfjs-core keeps its engine and kernel registry on the global object, so a native
 * package that bundles its own copy of tfjs-core still registers into this engine as long as the
 * versions agree (selectBackend checks that and says what to install when they do not).
 *
 * Importing this module registers the pure-JS `cpu` backend (no I/O); the wasm backend is
 * registered by `./wasm` and initialised only when selected.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { ensureGradients } from "./gradients";

export { tf };

// tfjs-core registers no gradients by itself; see ./gradients.
ensureGradients();
// Production mode: silences tfjs's console banners and warnings (e.g. "install the node backend"
// on first use of the cpu backend); segnas reports backends itself.
tf.enableProdMode();

/** tfjs-core's version string (the native packages must match it). */
export const TFJS_CORE_VERSION: string = tf.version_core;

/** The name of the tfjs backend currently in use ("wasm", "cpu", "tensorflow"). */
export function currentBackendName(): string {
  return tf.getBackend();
}

/**
 * True while a gradient tape is recording (inside tf.grads / tf.variableGrads), also from inside
 * a custom op's forward function (where tf.engine().isTapeOn() is false because kernels nest).
 */
export function isRecordingGradients(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}
