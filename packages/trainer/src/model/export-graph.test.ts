import { MobileNetV2SpaceSeg, Rng, type DeepLabHead } from "@segnas/core";
import { loadGraphModelSync } from "@tensorflow/tfjs-converter";
import { tf } from "../backend/tf";
import { useCpuBackend } from "../testing/tf-test-util";
import { graphModelArtifacts } from "./export-graph";
import { buildModel, type SegModel } from "./seg-model";

const space = new MobileNetV2SpaceSeg();
const minArch = space.decode(space.rangeTable.map(() => 0));

beforeAll(useCpuBackend);

/** Random BN statistics and biases, so that folding them is really exercised. */
function randomiseBn(model: SegModel, seed: number): void {
  const rng = Rng.fromSeed(seed);
  const w = model.getWeights();
  for (const [name, v] of Object.entries(w)) {
    if (/\.bn\.(gamma|running_var)$/.test(name)) for (let i = 0; i < v.length; i++) v[i] = 0.5 + rng.next();
    else if (/\.bn\.(beta|running_mean)$|\.bias$/.test(name))
      for (let i = 0; i < v.length; i++) v[i] = rng.next() - 0.5;
  }
  model.setWeights(w);
}

async function compare(model: SegModel, height: number, width: number) {
  const { json, weights } = await graphModelArtifacts(model, { height, width });
  const bin = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  ) as ArrayBuffer;
  const graph = loadGraphModelSync([json as unknown as tf.io.ModelJSON, bin]);
  const x = tf.randomUniform([2, height, width, 3], -1, 1, "float32", 3) as tf.Tensor4D;
  const want = model.predict(x);
  const got = graph.predict(x) as tf.Tensor4D;
  expect(got.shape).toEqual(want.shape);
  const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] as number;
  const scale = tf.max(tf.abs(want)).dataSync()[0] as number;
  const agree = tf.mean(tf.cast(tf.equal(tf.argMax(got, 3), tf.argMax(want, 3)), "float32")).dataSync()[0];
  tf.dispose([x, want, got]);
  graph.dispose();
  return { diff, scale, agree };
}

describe("graphModelArtifacts", () => {
  it.each<DeepLabHead>(["plain", "aspp", "decoder", "aspp-decoder"])(
    "a GraphModel of stock ops predicts what SegModel.predict does (head %s)",
    async (head) => {
      const model = buildModel(minArch, { classes: 5, head, seed: 1 });
      randomiseBn(model, 2);
      const r = await compare(model, 33, 40);
      model.dispose();
      expect(r.diff).toBeLessThan(1e-4 * Math.max(1, r.scale));
      expect(r.agree).toBeGreaterThan(0.999);
    },
  );

  it("only uses ops of the stock converter, and names its input and output", async () => {
    const model = buildModel(minArch, { classes: 3, head: "aspp-decoder" });
    const { json, weights } = await graphModelArtifacts(model, { height: 16, width: 16 });
    model.dispose();
    const stock = [
      "AddV2",
      "ConcatV2",
      "Const",
      "FusedDepthwiseConv2dNative",
      "Identity",
      "Mean",
      "Placeholder",
      "ResizeBilinear",
      "_FusedConv2D",
    ];
    for (const n of json.modelTopology.node) expect(stock).toContain(n.op);
    const bytes = json.weightsManifest[0]?.weights.reduce(
      (a, w) => a + 4 * w.shape.reduce((x, y) => x * y, 1),
      0,
    );
    expect(weights.length).toBe(bytes);
    expect(Object.keys(json.signature.inputs)).toEqual(["image"]);
    expect(Object.keys(json.signature.outputs)).toEqual(["logits"]);
  });

  it("refuses a bad size", async () => {
    const model = buildModel(minArch, { classes: 3, head: "plain" });
    await expect(graphModelArtifacts(model, { height: 0, width: 16 })).rejects.toThrow(/positive integers/);
    model.dispose();
  });
});
