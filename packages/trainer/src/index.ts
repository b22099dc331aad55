/** @segnas/trainer */
// Data pipeline: file lists, decoding, augmentation, batches, synthetic dataset.
export * from "./data";
// Training: one trial in-process (trainArchitecture) or in a child process (runTrial).
export * from "./train";
// Backends: selection with proofs (tfjs-node-gpu / tfjs-node / wasm / cpu), the shared tfjs instance.
export * from "./backend";
// Network ops: native / portable formulations of conv + BN + activation, glue ops, the loss.
export * from "./ops";
// The model: buildModel, predict, save / loadModel, checkModel, createTrainStep, export as a tfjs GraphModel.
export * from "./model";
