import { ConfusionMatrix } from "./confusion-matrix";
import { SegnasError } from "../errors";

describe("ConfusionMatrix", () => {
  // 3 classes, ignore 255. Hand count:
  //   gt:   0 0 0 1 1 2 255 255
  //   pred: 0 0 1 1 2 2   0   2
  // matrix (row gt, col pred): [[2,1,0],[0,1,1],[0,0,1]]
  // class 0: TP 2, FP 0, FN 1 -> 2/3; class 1: TP 1, FP 1, FN 1 -> 1/3; class 2: TP 1, FP 1, FN 0 -> 1/2
  const labels = Int32Array.from([0, 0, 0, 1, 1, 2, 255, 255]);
  const preds = Int32Array.from([0, 0, 1, 1, 2, 2, 0, 2]);

  it("counts pixels and masks the ignore index", () => {
    const cm = new ConfusionMatrix(3, 255).update(labels, preds);
    expect(cm.toJSON().matrix).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(cm.total()).toBe(6);
    expect(cm.iou()).toEqual([2 / 3, 1 / 3, 1 / 2]);
    expect(cm.miou()).toBeCloseTo((2 / 3 + 1 / 3 + 1 / 2) / 3, 12);
    expect(cm.miouPaddleSeg()).toBeCloseTo(cm.miou(), 12);
    expect(cm.pixelAccuracy()).toBeCloseTo(4 / 6, 12);
  });

  it("leaves out classes absent from ground truth and prediction (PaddleSeg counts them as 0)", () => {
    // 4 classes; class 3 never occurs; class 2 only in the prediction (IoU 0, still counted).
    const cm = new ConfusionMatrix(4, 255).update([0, 0, 1, 1], [0, 2, 1, 1]);
    const iou = cm.iou();
    expect(iou[0]).toBeCloseTo(1 / 2);
    expect(iou[1]).toBe(1);
    expect(iou[2]).toBe(0);
    expect(iou[3]).toBeNaN();
    expect(cm.miou()).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(cm.miouPaddleSeg()).toBeCloseTo((0.5 + 1 + 0) / 4, 12);
  });

  it("gives 0 (not NaN) when every pixel is ignored", () => {
    const cm = new ConfusionMatrix(2, 255).update([255, 255], [0, 1]);
    expect(cm.total()).toBe(0);
    expect(cm.miou()).toBe(0);
    expect(cm.miouPaddleSeg()).toBe(0);
    expect(cm.pixelAccuracy()).toBe(0);
    expect(cm.iou().every(Number.isNaN)).toBe(true);
  });

  it("merges shards into the same result as one update", () => {
    const a = new ConfusionMatrix(3).update(labels.subarray(0, 4), preds.subarray(0, 4));
    const b = new ConfusionMatrix(3).update(labels.subarray(4), preds.subarray(4));
    expect(a.merge(b).toJSON()).toEqual(new ConfusionMatrix(3).update(labels, preds).toJSON());
    expect(() => a.merge(new ConfusionMatrix(4))).toThrow(SegnasError);
  });

  it("round-trips through JSON", () => {
    const cm = new ConfusionMatrix(3, 7).update([0, 1, 7, 2], [0, 2, 1, 2]);
    const back = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(cm)));
    expect(back.toJSON()).toEqual(cm.toJSON());
    expect(back.ignoreIndex).toBe(7);
    expect(() => ConfusionMatrix.fromJSON({ numClasses: 2, ignoreIndex: 255, matrix: [[1, 2]] })).toThrow(
      /2 rows/,
    );
  });

  it("rejects labels and predictions outside the class range with an actionable message", () => {
    const cm = new ConfusionMatrix(2);
    expect(() => cm.update([0, 5], [0, 0])).toThrow(/label of 5 .*NUM_CLASSES/);
    expect(() => cm.update([0, 1], [0, -1])).toThrow(/prediction of -1/);
    expect(() => cm.update([0], [0, 1])).toThrow(/differ in length/);
    expect(() => new ConfusionMatrix(0)).toThrow(/positive integer/);
  });
});
