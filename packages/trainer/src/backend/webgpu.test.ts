// The webgpu backend on whatever adapter Dawn finds; in CI that is Mesa's llvmpipe over OpenGL ES
// (Debian packages in .ci/apt/webgpu.txt). llvmpipe is ~15x slower than wasm, so the networks
// are tiny: 32x32 inputs, batch 2, 3 classes, small architectures. In CI (CI=true) a missing
// adapter fails the suite; elsewhere the tests skip with the reason.
//
// Tolerance: forward logits, loss and every gradient of the whole network equal the cpu backend's
// (same formulation, same seed) to max |a - b| <= 2e-3 * max(1, max |cpu|), per tensor; where the
// tiny batch makes gradients ill-conditioned, to 3x the cpu backend's own change under a 1e-7
// input jitter (see the test).
import { MobileNetV2SpaceSeg, Rng, type DeepLabHead } from "@segnas/core";
import { buildModel } from "../model/seg-model";
import { createTrainStep } from "../model/train-step";
import { releaseBackwardTensors } from "../ops/backward-store";
import { softmaxCrossEntropy } from "../ops/loss";
import { relDiffValues } from "../testing/tf-test-util";
import { selectBackend } from "./select-backend";
import { tf } from "./tf";
import {
  activeWebgpuAdapter,
  assertWebgpuHealthy,
  initWebgpu,
  listAdapters,
  parseAdapterList,
  readOnDevice,
  webgpuMemory,
} from "./webgpu";

jest.setTimeout(240_000);

const space = new MobileNetV2SpaceSeg();
const TOL = 2e-3;
let unavailable: string | undefined;

beforeAll(async () => {
  const r = await initWebgpu({ allowSoftware: true });
  if (!r.ok) {
    unavailable = r.reason;
    if (process.env.CI) throw new Error(`webgpu tests need a WebGPU adapter in CI: ${r.reason}`);
    console.warn(`skipping webgpu tests: ${r.reason}`);
  }
});

afterAll(async () => {
  await tf.setBackend("cpu");
});

function skip(): boolean {
  return unavailable !== undefined;
}

function det(shape: number[], seed: number, jitter = 0): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(seed * 12.9898 + i * 78.233) * (1 + jitter * Math.cos(i));
  return tf.tensor4d(v, shape as [number, number, number, number]);
}

interface Run {
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

async function runNetwork(
  backend: string,
  tokens: readonly number[],
  head: DeepLabHead,
  jitter = 0,
): Promise<Run> {
  await tf.setBackend(backend);
  const model = buildModel(space.decode([...tokens]), { classes: 3, head, seed: 7, formulation: "native" });
  const x = det([2, 32, 32, 3], 1, jitter);
  const labels = tf.tidy(() =>
    tf.reshape(
      tf.cast(tf.floor(tf.mul(tf.add(tf.sin(tf.range(0, 2 * 32 * 32)), 1), 1.5)), "int32"),
      [2, 32, 32],
    ),
  );
  try {
    let logits: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const y = model.forward(x, true);
      logits = tf.keep(tf.clone(y));
      return softmaxCrossEntropy(y, labels);
    }, model.trainableVariables);
    // Variable names are unique per process (a suffix per model): key gradients by position.
    const vars = model.trainableVariables;
    const names = vars.map((v) => v.name);
    const read = await Promise.all([
      (logits as tf.Tensor).data(),
      value.data(),
      ...names.map((n) => (grads[n] as tf.Tensor).data()),
    ]);
    tf.dispose([logits as tf.Tensor, value, ...Object.values(grads)]);
    model.updateBatchNormStats();
    return {
      logits: read[0] as Float32Array,
      loss: (read[1] as Float32Array)[0] as number,
      grads: new Map(
        names.map((_n, i) => [`#${i} ${vars[i]!.shape.join("x")}`, read[i + 2] as Float32Array]),
      ),
    };
  } finally {
    releaseBackwardTensors();
    tf.dispose([x, labels]);
    model.dispose();
  }
}

const rng = Rng.fromSeed(9);
const small = () => space.rangeTable.map((r) => rng.int(Math.min(r, 3)));
const TOKENS: [string, readonly number[]][] = [
  ["min", space.rangeTable.map(() => 0)],
  ["random", small()],
];
const CASES: [string, DeepLabHead, readonly number[]][] = [
  [TOKENS[0]![0], "plain", TOKENS[0]![1]],
  [TOKENS[1]![0], "aspp", TOKENS[1]![1]],
  [TOKENS[0]![0], "aspp-decoder", TOKENS[0]![1]],
];

function worstGradient(a: Run, b: Run): { name: string; err: number } {
  let worst = { name: "", err: 0 };
  for (const [name, g] of b.grads) {
    const err = relDiffValues(a.grads.get(name) as Float32Array, g);
    if (err > worst.err) worst = { name, err };
  }
  return worst;
}

describe("webgpu: the whole network equals the cpu backend", () => {
  it.each(CASES)("tokens %s, head %s: logits, loss and gradients", async (_name, head, tokens) => {
    if (skip()) return;
    const gpu = await runNetwork("webgpu", tokens, head);
    const cpu = await runNetwork("cpu", tokens, head);
    expect(relDiffValues(gpu.logits, cpu.logits)).toBeLessThan(TOL);
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(TOL * Math.max(1, Math.abs(cpu.loss)));
    expect(gpu.grads.size).toBe(cpu.grads.size);
    const worst = worstGradient(gpu, cpu);
    // At this size training-mode BN normalises over very few values (2 images x 2x2 deep maps, 2
    // pooled values in ASPP's image-pool branch), which amplifies float32 rounding: with the ASPP
    // heads the cpu backend's own gradients move by 0.1-0.2 (relative) when the input moves by
    // 1e-7 (one float32 ulp). So gradients must agree to TOL, or to 3x what that 1e-7 input
    // jitter does to the cpu backend's: webgpu differs from cpu no more than rounding does.
    let bound = TOL;
    if (worst.err >= TOL) {
      const jittered = await runNetwork("cpu", tokens, head, 1e-7);
      bound = Math.max(TOL, 3 * worstGradient(jittered, cpu).err);
    }
    // One line per case, for the record (docs/training-performance.md).
    console.log(
      `webgpu vs cpu, ${head}: loss ${gpu.loss} vs ${cpu.loss}, worst gradient ${worst.name} ${worst.err.toExponential(2)} (bound ${bound.toExponential(2)})`,
    );
    expect(worst.err).toBeLessThan(bound);
  });
});

describe("webgpu: memory stays bounded", () => {
  it("tf.memory() tensors, bytes and GPU bytes are the same after every step", async () => {
    if (skip()) return;
    await tf.setBackend("webgpu");
    const model = buildModel(space.decode(space.rangeTable.map(() => 0)), {
      classes: 3,
      head: "aspp",
      seed: 1,
    });
    const step = createTrainStep(model, { learningRate: 0.05 });
    const x = det([2, 32, 32, 3], 3);
    const labels = tf.tidy(() =>
      tf.reshape(tf.cast(tf.greater(tf.slice(x, [0, 0, 0, 0], [2, 32, 32, 1]), 0), "int32"), [2, 32, 32]),
    );
    const seen: { tensors: number; bytes: number; gpu: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const loss = await step.step(x, labels);
      expect(Number.isFinite(loss)).toBe(true);
      const m = tf.memory();
      seen.push({ tensors: m.numTensors, bytes: m.numBytes, gpu: webgpuMemory()?.bytesInUse ?? -1 });
    }
    console.log(`webgpu memory over 4 steps: ${JSON.stringify(seen)}`);
    for (const s of seen.slice(1)) expect(s).toEqual(seen[0]);
    tf.dispose([x, labels]);
    step.dispose();
    model.dispose();
  });
});

describe("webgpu: adapters and selection", () => {
  it("parses Dawn's adapter list", () => {
    expect(
      parseAdapterList(
        "no adapter with backend 'vulkan' and name 'x' found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA H200'\n * backend: 'vulkan', name: 'NVIDIA H200'\n",
      ),
    ).toEqual([
      { backend: "vulkan", name: "NVIDIA H200" },
      { backend: "vulkan", name: "NVIDIA H200" },
    ]);
  });

  it("lists the adapter it runs on, with its type and limits", async () => {
    if (skip()) return;
    const { adapters } = await listAdapters();
    expect(adapters.length).toBeGreaterThan(0);
    const a = adapters[0]!;
    expect(a.maxBufferSize).toBeGreaterThan(0);
    expect(["gpu", "cpu"]).toContain(a.type);
  });

  it("auto skips a software adapter and says why", async () => {
    if (skip()) return;
    const { adapters } = await listAdapters();
    if (adapters.some((a) => a.type === "gpu")) return; // a real GPU: auto may take it
    const s = await selectBackend("auto", undefined, { env: {} });
    expect(s.backend).not.toBe("webgpu");
    const r = s.rejected.find((x) => x.backend === "webgpu");
    expect(r?.reason).toMatch(/software rasteriser .* use --backend webgpu/);
  });

  it("webgpu named explicitly is selected and proven by the probe", async () => {
    if (skip()) return;
    const s = await selectBackend("webgpu", undefined, { env: {} });
    expect(s).toMatchObject({ backend: "webgpu", tfBackend: "webgpu", formulation: "native" });
    expect(s.details.adapter).toBeTruthy();
  });
});

// Last: a GPU error poisons this process's device state (as it should: the trial is over).
describe("webgpu: a GPU error fails with the reason", () => {
  it("a buffer past the adapter's binding limit is reported as SEGNAS_E_TRAINING with Dawn's message", async () => {
    if (skip()) return;
    await tf.setBackend("webgpu");
    const limit = activeWebgpuAdapter()?.maxStorageBufferBindingSize ?? Infinity;
    if (limit > 256 * 2 ** 20) return; // a real GPU: too big to allocate in a test
    const n = Math.ceil(limit / 4) + 1024;
    const s = tf.tidy(() => tf.sum(tf.add(tf.fill([n], 1), 1)));
    await readOnDevice(s.data());
    s.dispose();
    expect(() => assertWebgpuHealthy()).toThrow(
      expect.objectContaining({
        code: "SEGNAS_E_TRAINING",
        message: expect.stringMatching(/GPU reported an error: .*binding size/i),
      }),
    );
  });
});
