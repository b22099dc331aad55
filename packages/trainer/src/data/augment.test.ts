import { Rng } from "@segnas/core";
import { planSample, PlanError, randomScale, renderSample, type SamplePlan } from "./augment";
import { resolveDataOptions, type DataOptions } from "./options";

/** A w x h sample whose label is the column and whose red channel is 10 * column (+ row in green). */
function gridSample(w: number, h: number): { image: Uint8Array; label: Uint8Array } {
  const image = new Uint8Array(w * h * 3);
  const label = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      image.set([10 * x, 10 * y, 7], (y * w + x) * 3);
      label[y * w + x] = x;
    }
  return { image, label };
}

/** Renders with MEAN 0 / STD 1/255 so image values come out in 0..255 units. */
function render(sample: { image: Uint8Array; label: Uint8Array }, plan: SamplePlan, opts: DataOptions) {
  const image = new Float32Array(plan.width * plan.height * 3);
  const labels = new Int32Array(plan.width * plan.height);
  renderSample(sample, plan, opts, image, 0, labels, 0);
  return { image, labels };
}

const raw = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255], numClasses: 20, paddingValue: [1, 2, 3] };

describe("planSample", () => {
  it("unpadding resizes to FIX_RESIZE_SIZE (w, h) in training and evaluation", () => {
    const opts = resolveDataOptions({ ...raw, augMethod: "unpadding", fixResizeSize: [8, 6], mirror: false });
    for (const phase of ["train", "eval"] as const) {
      const p = planSample(4, 3, opts, phase, Rng.fromSeed(1));
      expect([p.resizedWidth, p.resizedHeight, p.width, p.height]).toEqual([8, 6, 8, 6]);
    }
  });

  it("rangescaling puts the long side in [MIN, MAX]_RESIZE_VALUE, INF_RESIZE_VALUE for eval", () => {
    const opts = resolveDataOptions({
      ...raw,
      augMethod: "rangescaling",
      minResizeValue: 10,
      maxResizeValue: 14,
      infResizeValue: 6,
    });
    const seen = new Set<number>();
    for (let s = 0; s < 50; s++) {
      const p = planSample(20, 10, opts, "train", Rng.fromSeed(s));
      expect(p.resizedWidth).toBeGreaterThanOrEqual(10);
      expect(p.resizedWidth).toBeLessThanOrEqual(14);
      expect(p.resizedHeight).toBe(Math.round(p.resizedWidth / 2));
      seen.add(p.resizedWidth);
    }
    expect(seen.size).toBe(5);
    const e = planSample(20, 10, opts, "eval", Rng.fromSeed(0));
    expect([e.resizedWidth, e.resizedHeight]).toEqual([6, 3]);
  });

  it("stepscaling picks factors on the SCALE_STEP_SIZE grid (continuous at 0), none for eval", () => {
    const values = new Set<number>();
    for (let s = 0; s < 200; s++) values.add(randomScale(0.5, 2, 0.25, Rng.fromSeed(s)));
    expect([...values].sort()).toEqual([0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
    const c = randomScale(0.5, 2, 0, Rng.fromSeed(3));
    expect(c).toBeGreaterThanOrEqual(0.5);
    expect(c).toBeLessThan(2);
    expect(randomScale(1.5, 1.5, 0.25, Rng.fromSeed(3))).toBe(1.5);
    const opts = resolveDataOptions({
      ...raw,
      augMethod: "stepscaling",
      minScaleFactor: 2,
      maxScaleFactor: 2,
    });
    const p = planSample(5, 3, opts, "train", Rng.fromSeed(0));
    expect([p.resizedWidth, p.resizedHeight]).toEqual([10, 6]);
    const e = planSample(5, 3, opts, "eval", Rng.fromSeed(0));
    expect([e.resizedWidth, e.resizedHeight]).toEqual([5, 3]);
  });

  it("evaluation pads to EVAL_CROP_SIZE and refuses to crop", () => {
    const opts = resolveDataOptions({ ...raw, augMethod: "stepscaling", evalCropSize: [6, 4] });
    const p = planSample(5, 3, opts, "eval", Rng.fromSeed(0));
    expect([p.width, p.height, p.offsetX, p.offsetY, p.mirror]).toEqual([6, 4, 0, 0, false]);
    expect(() => planSample(7, 3, opts, "eval", Rng.fromSeed(0))).toThrow(PlanError);
    expect(() => planSample(7, 3, opts, "eval", Rng.fromSeed(0))).toThrow(
      /raise EVAL_CROP_SIZE to at least \(7, 3\)/,
    );
  });

  it("is a pure function of the seed", () => {
    const opts = resolveDataOptions({
      ...raw,
      augMethod: "stepscaling",
      scaleStepSize: 0,
      trainCropSize: [8, 8],
      flip: true,
    });
    const a = planSample(20, 15, opts, "train", Rng.fromSeed(42));
    expect(planSample(20, 15, opts, "train", Rng.fromSeed(42))).toEqual(a);
  });
});

describe("renderSample", () => {
  const opts = resolveDataOptions({ ...raw, ignoreIndex: 255 });
  const base: SamplePlan = {
    srcWidth: 4,
    srcHeight: 3,
    resizedWidth: 4,
    resizedHeight: 3,
    width: 4,
    height: 3,
    offsetX: 0,
    offsetY: 0,
    mirror: false,
    flip: false,
  };

  it("copies exactly at scale 1 and normalises as (x / 255 - MEAN) / STD", () => {
    const s = gridSample(4, 3);
    const { image, labels } = render(s, base, opts);
    expect(Array.from(image)).toEqual(Array.from(s.image));
    expect(Array.from(labels)).toEqual(Array.from(s.label));
    const norm = resolveDataOptions({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const out = new Float32Array(36);
    renderSample(s, base, norm, out, 0, new Int32Array(12), 0);
    expect(out[3]).toBeCloseTo((10 / 255 - 0.5) / 0.5, 6);
  });

  it("pads bottom/right with PADDING_VALUE and IGNORE_INDEX", () => {
    const { image, labels } = render(gridSample(4, 3), { ...base, width: 6, height: 5 }, opts);
    expect(labels[5]).toBe(255); // (5, 0): right padding
    expect(labels[4 * 6]).toBe(255); // (0, 4): bottom padding
    expect(labels[6 + 3]).toBe(3);
    expect(Array.from(image.subarray(5 * 3, 5 * 3 + 3))).toEqual([1, 2, 3]);
    expect(labels.filter((v) => v === 255).length).toBe(6 * 5 - 4 * 3);
  });

  it("crops at the planned offset", () => {
    const { labels, image } = render(
      gridSample(4, 3),
      { ...base, width: 2, height: 2, offsetX: 1, offsetY: 1 },
      opts,
    );
    expect(Array.from(labels)).toEqual([1, 2, 1, 2]);
    expect(image[1]).toBe(10); // green = 10 * row, row 1
  });

  it("mirror and flip move image and label together", () => {
    const s = gridSample(4, 3);
    for (const [mirror, flip] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const { image, labels } = render(s, { ...base, width: 5, height: 4, mirror, flip }, opts);
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] === 255) expect(image[i * 3]).toBe(1);
        else expect(image[i * 3]).toBe(10 * labels[i]!);
      }
      if (mirror && !flip) expect(labels[4]).toBe(0); // last output column = source column 0
      if (mirror) expect(labels[0]).toBe(255); // the right padding is mirrored to the left
      if (flip) expect(labels[3 * 5 + 4]).toBe(mirror ? 0 : 255); // bottom padding flipped to the top
    }
  });

  it("resizes images bilinearly and labels by nearest neighbour", () => {
    const s = gridSample(4, 3);
    const { image, labels } = render(
      s,
      { ...base, resizedWidth: 8, resizedHeight: 6, width: 8, height: 6 },
      opts,
    );
    // Column 1 of the 2x image sits at source x = 0.25: red 2.5; nearest label = column 0.
    expect(image[1 * 3]).toBeCloseTo(2.5, 5);
    expect(labels[1]).toBe(0);
    expect(labels[2]).toBe(1);
    expect(new Set(labels)).toEqual(new Set([0, 1, 2, 3]));
  });
});
