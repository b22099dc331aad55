/** The segmentation network: build, train step, inference, save / load, preflight check. */
export {
  buildModel,
  type SegModel,
  type BuildModelOptions,
  type ParamCount,
  type WeightSpec,
  type NamedWeights,
} from "./seg-model";
export { loadModel, saveModel, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelJson } from "./save-load";
export { checkModel, type CheckModelOptions } from "./check-model";
export { createTrainStep, type TrainStep, type TrainStepOptions } from "./train-step";
export {
  buildPlan,
  weightShape,
  BN_EPSILON,
  BACKBONE_BN_MOMENTUM,
  HEAD_BN_MOMENTUM,
  ASPP_KEEP_PROB,
  type LayerSpec,
  type ModelPlan,
  type UnitPlan,
} from "./plan";
export { ModelError } from "./errors";
export {
  graphModelArtifacts,
  GRAPH_INPUT_NAME,
  GRAPH_OUTPUT_NAME,
  GRAPH_WEIGHTS_FILE,
  type GraphModelJson,
  type GraphModelArtifacts,
  type GraphExportOptions,
} from "./export-graph";
export {
  exportModel,
  compareGraphModel,
  type ExportModelOptions,
  type ExportModelResult,
  type ExportCheck,
} from "./export-model";
