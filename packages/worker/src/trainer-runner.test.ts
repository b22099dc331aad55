import { createTrainerRunner, type TrainerRunOptions, type TrainerOutcome } from "./trainer-runner";
import type { EpochReport } from "./runner";

describe("createTrainerRunner", () => {
  it("applies the server's budget as overrides and maps the trainer's outcome", async () => {
    let seen: TrainerRunOptions | null = null;
    const runTrial = async (opts: TrainerRunOptions): Promise<TrainerOutcome> => {
      seen = opts;
      opts.onStarted?.({ backend: "wasm" });
      opts.onEpoch?.({ epoch: 1, miou: null, loss: 2 });
      opts.onEpoch?.({ epoch: 2, miou: 0.3, loss: 1 });
      return {
        status: "completed",
        reward: 0.3,
        metrics: { params: 100, flops: null, bestEpoch: 2, finalLoss: 1, epochs: 2 },
        curve: [
          { epoch: 1, miou: null, loss: 2 },
          { epoch: 2, miou: 0.3, loss: 1 },
        ],
        modelDir: "/x/model",
        durationMs: 5,
        backend: "wasm",
      };
    };
    const runner = createTrainerRunner(runTrial, {
      configFile: "c.yaml",
      overrides: ["SOLVER.LR", "0.1"],
      backend: "auto",
    });
    const epochs: EpochReport[] = [];
    let backend = "";
    const out = await runner.run({
      trialId: 1,
      tokens: [1, 2, 3],
      arch: null,
      budget: { epochs: 2, startEvalEpoch: 1, maxSeconds: 60 },
      trialDir: "/x",
      signal: new AbortController().signal,
      onEpoch: (e) => epochs.push(e),
      onStarted: (i) => (backend = i.backend),
    });
    expect(seen).toMatchObject({
      tokens: [1, 2, 3],
      configFile: "c.yaml",
      overrides: ["SOLVER.LR", "0.1", "SOLVER.NUM_EPOCHS", "2", "SLIM.NAS_START_EVAL_EPOCH", "1"],
      trialDir: "/x",
      backend: "auto",
      timeoutMs: 60_000,
      quietBackend: false,
    });
    expect(backend).toBe("wasm");
    // How the backend was chosen is logged with the first trial only.
    await runner.run({
      trialId: 2,
      tokens: [1],
      arch: null,
      budget: { epochs: 1 },
      trialDir: null,
      signal: new AbortController().signal,
      onEpoch: () => undefined,
    });
    expect(seen).toMatchObject({ tokens: [1], quietBackend: true });
    expect(epochs.map((e) => e.miou)).toEqual([null, 0.3]);
    expect(out).toMatchObject({
      status: "completed",
      reward: 0.3,
      metrics: { miou: 0.3, params: 100, bestEpoch: 2, finalLoss: 1, epochs: 2 },
      modelDir: "/x/model",
    });
    expect(out.status === "completed" && "flops" in out.metrics).toBe(false);
  });

  it("passes failures through with their code", async () => {
    const runner = createTrainerRunner(
      async () => ({
        status: "failed",
        reason: "out of memory",
        code: "SEGNAS_E_TRAINING",
        durationMs: 1,
        backend: null,
      }),
      {},
    );
    const out = await runner.run({
      trialId: 1,
      tokens: [0],
      arch: null,
      budget: { epochs: 1 },
      trialDir: null,
      signal: new AbortController().signal,
      onEpoch: () => undefined,
    });
    expect(out).toEqual({
      status: "failed",
      reason: "out of memory",
      code: "SEGNAS_E_TRAINING",
      backend: null,
      durationMs: 1,
    });
  });
});
