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

/** The formulation that suits a tfjs backend: native on TensorFlow (tfjs-node), portable elsewhere. */
export function formulationForBackend(backend: string = tf.getBackend()): FormulationName {
  return backend === "tensorflow" ? "native" : "portable";
}
