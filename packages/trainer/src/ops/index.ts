/** Network ops: two formulations (native / portable) of conv + BN + activation layers, and the loss. */
export * from "./types";
export { samePadding, convGeometry, type SamePadding, type ConvGeometry } from "./padding";
export { type Activation, transpose2d, colSum, colMean, affine, activationGrad } from "./primitives";
export { pointwisePortable, pointwiseStrategy, type PointwiseStrategy } from "./portable-pointwise";
export {
  depthwisePortable,
  dwBnActPortable,
  depthwiseBackpropInput,
  depthwiseBackpropFilter,
} from "./portable-depthwise";
export { convPortable } from "./portable-conv";
export { nativeFormulation, depthwiseNative, batchNormTrainingNative } from "./native";
export {
  portableFormulation,
  getFormulation,
  formulationForBackend,
  type FormulationName,
} from "./formulation";
export { softmaxCrossEntropy, type SegLossOptions } from "./loss";
export { releaseBackwardTensors, heldBackwardTensorCount } from "./backward-store";
export { resizeBilinearAC, concatChannels, addSameShape, multiplyByMask, globalMeanPool } from "./glue";
