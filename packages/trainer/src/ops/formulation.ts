import { tf } from "../backend/tf";
import { nativeFormulation } from "./native";
import { convPortable } from "./portable-conv";
import { dwBnActPortable } from "./portable-depthwise";
import type { Formulation } from "./types";

export const portableFormulation: Formulation = {
  name: "portable",
  conv: convPortable,
  depthwise: dwBnActPortable,
};

export type FormulationName = "native" | "portable";

export function getFormulation(name: FormulationName): Formulation {
  return name === "native" ? nativeFormulation : portableFormulation;
}

/**
 * The formulation that suits a tfjs backend: native on TensorFlow (tfjs-node) and on webgpu
 * (its kernels include every gradient DeepLab needs, and the portable ops' host-side batch norm
 * reads channel statistics synchronously, which webgpu cannot do in Node), portable on wasm and
 * cpu (measured faster there: docs/training-performance.md).
 */
export function formulationForBackend(backend: string = tf.getBackend()): FormulationName {
  return backend === "tensorflow" || backend === "webgpu" ? "native" : "portable";
}
