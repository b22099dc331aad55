/** Segmentation metrics: confusion matrix, IoU, mIoU (SPEC §5), pixel accuracy. */
export { ConfusionMatrix } from "./confusion-matrix";
export type { ConfusionMatrixJSON } from "./confusion-matrix";
