import { tf } from "../backend/tf";
import pino from "pino";
import { ConfusionMatrix } from "@segnas/core";
import { trainLoop, type LoopOptions } from "./train-loop";
import { colourData, linearPixelModel } from "../testing/stand-ins";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

function options(over: Partial<LoopOptions> = {}): LoopOptions {
  return {
    model: linearPixelModel(2),
    data: colourData({ images: 16, batch: 4 }),
    numClasses: 2,
    ignoreIndex: 255,
    epochs: 3,
    startEvalEpoch: 0,
    schedule: { baseLr: 0.5, policy: "poly", power: 0.9 },
    optimizer: { name: "sgd", momentum: 0.9, momentum2: 0.999, weightDecay: 4e-5 },
    newAccumulator: () => new ConfusionMatrix(2, 255),
    logger: pino({ level: "silent" }),
    ...over,
  };
}

describe("trainLoop", () => {
  it("lowers the loss and beats chance mIoU; evaluates every epoch with NAS_START_EVAL_EPOCH 0", async () => {
    const r = await trainLoop(options());
    expect(r.status).toBe("completed");
    expect(r.curve.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(r.curve.every((e) => e.miou !== null)).toBe(true);
    expect((r.curve[2] as { loss: number }).loss).toBeLessThan((r.curve[0] as { loss: number }).loss);
    expect(r.reward).toBeGreaterThan(0.6);
    expect(r.reward).toBe(Math.max(...r.curve.map((e) => e.miou as number)));
    expect(r.stepsDone).toBe(12);
  });

  it("adam works too", async () => {
    const r = await trainLoop(
      options({
        optimizer: { name: "adam", momentum: 0.9, momentum2: 0.999, weightDecay: 0 },
        schedule: { baseLr: 0.05, policy: "poly" },
      }),
    );
    expect(r.reward).toBeGreaterThan(0.6);
  });

  it("skips evaluation up to NAS_START_EVAL_EPOCH and reports reward 0 if never evaluated", async () => {
    const r = await trainLoop(options({ startEvalEpoch: 2 }));
    expect(r.curve.map((e) => e.miou === null)).toEqual([true, true, false]);
    const never = await trainLoop(options({ startEvalEpoch: 5 }));
    expect(never.reward).toBe(0);
    expect(never.bestEpoch).toBeNull();
  });

  it("-1 means every epoch as well", async () => {
    const r = await trainLoop(options({ startEvalEpoch: -1, epochs: 2 }));
    expect(r.curve.every((e) => e.miou !== null)).toBe(true);
  });

  it("a NaN loss fails with SEGNAS_E_TRAINING naming epoch and step", async () => {
    await expect(trainLoop(options({ nanAtStep: 6 }))).rejects.toMatchObject({
      code: "SEGNAS_E_TRAINING",
      message: "loss became NaN at epoch 2 step 2; try a lower SOLVER.LR",
    });
  });

  it("a huge learning rate makes the loss non-finite and fails the same way", async () => {
    await expect(trainLoop(options({ schedule: { baseLr: 1e30, policy: "poly" } }))).rejects.toMatchObject({
      code: "SEGNAS_E_TRAINING",
    });
  });

  it("stops on request and reports what it has", async () => {
    let epochs = 0;
    const r = await trainLoop(options({ epochs: 5, shouldStop: () => epochs >= 2, onEpoch: () => epochs++ }));
    expect(r.status).toBe("stopped");
    expect(r.curve).toHaveLength(2);
    expect(r.reward).toBeGreaterThan(0);
  });

  it("logs every --log_steps steps with epoch, step, lr, loss, steps/s and ETA", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s)) });
    await trainLoop(options({ logger, logSteps: 2, epochs: 1 }));
    const stepLines = lines.filter((l) => typeof l.step === "number");
    expect(stepLines.map((l) => l.step)).toEqual([2, 4]);
    expect(stepLines[0]).toEqual(
      expect.objectContaining({
        epoch: 1,
        lr: expect.any(Number),
        loss: expect.any(Number),
        stepsPerSec: expect.any(Number),
        etaSeconds: expect.any(Number),
      }),
    );
  });

  it("does not leak tensors across steps", async () => {
    const o = options({ epochs: 1 });
    await trainLoop(o); // warm-up allocations (optimizer slots are disposed at the end)
    const before = tf.memory().numTensors;
    await trainLoop(o);
    expect(tf.memory().numTensors).toBe(before);
  });
});
