/**
 * A whole distributed search with real processes on loopback: exactly N rewards across all
 * workers, everyone exits 0, results in the run directory; and the PaddleSeg command line.
 */
import * as fs from "fs";
import * as path from "path";
import {
  DEMO_CFG,
  freePort,
  killAll,
  quick,
  readJournal,
  readTrials,
  segnas,
  startServer,
  startWorker,
  tmpRunDir,
} from "./dist-helpers";

jest.setTimeout(120_000);
afterEach(killAll);

describe("distributed search (processes)", () => {
  it("1 server + 3 workers finish N steps with exactly N results; status shows the workers", async () => {
    const runDir = tmpRunDir("search");
    const N = 9;
    const overrides = quick(N);
    const { proc: server, port } = await startServer(runDir, overrides);
    // Trials of ~2 s, so that the search is still running when `segnas status` (a process that
    // takes a moment to start on a busy machine) asks.
    const slow = { SEGNAS_FAKE_EPOCH_MS: "1000" };
    const workers = [1, 2, 3].map((i) => startWorker(`worker${i}`, port, runDir, overrides, slow));
    await Promise.all(workers.map((w) => w.waitFor(/trial \d+: training/)));

    // While it runs: `segnas status` lists the connected workers and their trials.
    let status = "";
    for (let i = 0; i < 5 && !/workers\s+3 connected/.test(status); i++) {
      const st = segnas("status", ["status", "--address", `127.0.0.1:${port}`]);
      await st.exited;
      status = st.out() + st.err();
    }
    expect(status).toMatch(/progress\s+\d+\/9 rewards/);
    expect(status).toMatch(/workers\s+3 connected/);

    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes.map((c) => c.code)).toEqual([0, 0, 0]);
    expect((await server.exited).code).toBe(0);
    expect(server.out()).toMatch(/search finished: all 9 search steps have a reward/);
    expect(server.out()).toMatch(/best model\s+\S*best-model/);

    const events = readJournal(runDir);
    const completed = events.filter((e) => e.type === "trial-completed");
    expect(completed).toHaveLength(N);
    expect(new Set(completed.map((e) => e.trialId)).size).toBe(N);
    expect(events.filter((e) => e.type === "trial-proposed")).toHaveLength(N);
    // Every worker did some of the work (3 workers, 9 trials of equal length).
    expect(new Set(completed.map((e) => e.worker)).size).toBeGreaterThan(1);

    const trials = readTrials(runDir);
    expect(trials).toHaveLength(N);
    expect(trials.every((t) => t.status === "completed" && typeof t.reward === "number")).toBe(true);
    expect(trials[0]).toMatchObject({ backend: "fake", attempts: 1 });
    expect(Array.isArray(trials[0]?.blocks)).toBe(true);
    expect(typeof trials[0]?.params).toBe("number");
    expect(fs.readFileSync(path.join(runDir, "trials.csv"), "utf8").split("\n")[0]).toMatch(
      /^trial,status,reward,tokens,blocks,params,flops/,
    );
    const best = JSON.parse(fs.readFileSync(path.join(runDir, "best.json"), "utf8")) as { modelCopy: string };
    expect(fs.existsSync(path.join(best.modelCopy, "model.json"))).toBe(true);
  });

  it("`segnas train` with PaddleSeg's command line runs a server and a worker in one process", async () => {
    const runDir = tmpRunDir("train");
    const port = await freePort();
    // The exact flags of PaddleSeg's NAS example (SLIM.NAS_ADDRESS "" = all interfaces, no secret).
    const train = segnas("train", [
      "train",
      "--log_steps",
      "10",
      "--cfg",
      path.join(path.dirname(DEMO_CFG), "cityscapes.yaml"),
      "--use_gpu",
      "--use_mpio",
      "SLIM.NAS_PORT",
      String(port),
      "SLIM.NAS_ADDRESS",
      "",
      "SLIM.NAS_SEARCH_STEPS",
      "2",
      "SLIM.NAS_START_EVAL_EPOCH",
      "-1",
      "SLIM.NAS_IS_SERVER",
      "True",
      "SLIM.NAS_SPACE_NAME",
      "MobileNetV2SpaceSeg",
      "SOLVER.NUM_EPOCHS",
      "2",
      "--run-dir",
      runDir,
    ]);
    const { code } = await train.exited;
    expect({ code, err: code === 0 ? "" : train.err() }).toEqual({ code: 0, err: "" });
    expect(train.err()).toMatch(/SECURITY WARNING/);
    expect(train.out()).toMatch(/search finished: all 2 search steps have a reward/);
    expect(readJournal(runDir).filter((e) => e.type === "trial-completed")).toHaveLength(2);
  });

  it("SLIM.NAS_IS_SERVER False without an address says what to set", async () => {
    const w = segnas("worker", ["train", "--cfg", DEMO_CFG, "SLIM.NAS_IS_SERVER", "False"]);
    const { code } = await w.exited;
    expect(code).toBe(2);
    expect(w.err()).toMatch(/error \[SEGNAS_E_CONFIG\]: .*SLIM\.NAS_ADDRESS/);
  });
});
