import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { getSpace, type StudySettings } from "@segnas/core";
import pino from "pino";
import { listeningInodes, findPortHolder } from "./port-holder";
import { openStudy } from "./open-study";
import { RunResults } from "./results";
import { testStrategies } from "./testing/test-strategies";

const log = pino({ level: "silent" });
const space = getSpace("MobileNetV2SpaceSeg");
const settings: StudySettings = {
  space: space.name,
  strategy: "random-test",
  seed: 3,
  searchSteps: 4,
  maxFailures: 5,
};

const dirs: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-open-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("openStudy on a run directory", () => {
  it("creates, resumes (same state, new step budget journaled) and refuses another seed", async () => {
    const dir = tmp();
    const a = await openStudy({ runDir: dir, space, settings, strategies: testStrategies, logger: log });
    expect(a.resumed).toBe(false);
    const ask = a.study.ask("w", 1);
    await a.journal.append(ask.events);
    const id = ask.decision.kind === "trial" ? ask.decision.trial.id : -1;
    await a.journal.append(a.study.tell(id, "w", { reward: 0.4 }, 2).events);
    const snapshot = JSON.stringify(a.study.state.trials);
    await a.journal.close();

    const b = await openStudy({
      runDir: dir,
      space,
      settings: { ...settings, searchSteps: 6 },
      strategies: testStrategies,
      logger: log,
    });
    expect(b.resumed).toBe(true);
    expect(JSON.stringify(b.study.state.trials)).toBe(snapshot);
    expect(b.study.state.settings.searchSteps).toBe(6);
    await b.journal.close();

    await expect(
      openStudy({
        runDir: dir,
        space,
        settings: { ...settings, seed: 4 },
        strategies: testStrategies,
        logger: log,
      }),
    ).rejects.toMatchObject({ code: "SEGNAS_E_JOURNAL_MISMATCH" });
  });

  it("refuses a bad strategy before writing anything; the corrected start then works", async () => {
    const dir = tmp();
    const failing = {
      ...testStrategies,
      create: () => {
        throw new Error('unknown strategy "foo"');
      },
    };
    await expect(
      openStudy({ runDir: dir, space, settings, strategies: failing, logger: log }),
    ).rejects.toThrow(/unknown strategy/);
    expect(fs.existsSync(path.join(dir, "journal.jsonl"))).toBe(false);
    const ok = await openStudy({ runDir: dir, space, settings, strategies: testStrategies, logger: log });
    expect(ok.resumed).toBe(false);
    await ok.journal.close();
  });

  it("imports a PaddleSlim checkpoint once (a second import skips known tokens)", async () => {
    const dir = tmp();
    const ckpt = path.join(dir, "sanas.checkpoints");
    const best = [...space.initTokens];
    const current = [...best];
    current[0] = 1;
    fs.writeFileSync(
      ckpt,
      JSON.stringify({
        _range_table: [space.rangeTable.map(() => 0), space.rangeTable],
        _current_tokens: current,
        _reward: 0.3,
        _best_tokens: best,
        _max_reward: 0.5,
        _iter: 7,
        _reduce_rate: 0.85,
      }),
    );
    const open = () =>
      openStudy({
        runDir: dir,
        space,
        settings,
        strategies: testStrategies,
        logger: log,
        importPaddleSlim: ckpt,
      });
    const a = await open();
    expect(a.study.state.imported).toBe(2);
    expect(a.study.state.completed).toBe(0);
    expect(a.study.state.best).toEqual({ trialId: 1, reward: 0.5 });
    await a.journal.close();
    const b = await open();
    expect(b.study.state.imported).toBe(2);
    await b.journal.close();
    await expect(
      openStudy({
        runDir: tmp(),
        space,
        settings,
        strategies: testStrategies,
        logger: log,
        importPaddleSlim: path.join(dir, "nope"),
      }),
    ).rejects.toMatchObject({ code: "SEGNAS_E_BAD_ARGUMENT" });
  });
});

describe("RunResults", () => {
  it("writes trials.jsonl / trials.csv and copies the best model of a local worker", async () => {
    const dir = tmp();
    const opened = await openStudy({ runDir: dir, space, settings, strategies: testStrategies, logger: log });
    const study = opened.study;
    const modelDir = path.join(dir, "trials", "trial-0001", "model");
    fs.mkdirSync(modelDir, { recursive: true });
    fs.writeFileSync(path.join(modelDir, "model.json"), "{}");
    const ask = study.ask("w", 1);
    const id = ask.decision.kind === "trial" ? ask.decision.trial.id : -1;
    study.tell(
      id,
      "w",
      {
        reward: 0.42,
        curve: [{ epoch: 1, miou: 0.42 }],
        run: { backend: "wasm", host: "here", modelPath: modelDir },
        durationMs: 1500,
      },
      2,
    );
    const results = new RunResults({
      runDir: dir,
      space,
      logger: log,
      hostname: "here",
      cost: () => ({ params: 10, flops: 20 }),
    });
    results.onTrialFinished(study.state, study.trial(id)!);
    const best = await results.flush(study.state);
    expect(best).toBe(path.join(dir, "best-model"));
    expect(fs.existsSync(path.join(dir, "best-model", "model.json"))).toBe(true);
    const row = JSON.parse(fs.readFileSync(path.join(dir, "trials.jsonl"), "utf8").trim());
    expect(row).toMatchObject({
      trial: 1,
      status: "completed",
      reward: 0.42,
      params: 10,
      flops: 20,
      backend: "wasm",
      durationMs: 1500,
    });
    expect(row.blocks).toHaveLength(7);
    const csv = fs.readFileSync(path.join(dir, "trials.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(2);
    expect(csv[1]).toMatch(/^1,completed,0\.42,/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "best.json"), "utf8"))).toMatchObject({
      trial: 1,
      modelCopy: path.join(dir, "best-model"),
    });
    await opened.journal.close();
  });
});

describe("port holder", () => {
  it("parses /proc/net/tcp listening sockets", () => {
    const file = path.join(tmp(), "tcp");
    fs.writeFileSync(
      file,
      [
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 0100007F:5B25 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0",
        "   1: 0100007F:5B25 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 22222 1 0000000000000000 100 0 0 10 0",
      ].join("\n"),
    );
    expect(listeningInodes(0x5b25, [file])).toEqual(["12345"]);
    expect(listeningInodes(80, [file])).toEqual([]);
  });

  it("finds this process as the holder of a port it listens on (Linux)", async () => {
    if (process.platform !== "linux") return;
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    expect(findPortHolder(port)).toMatchObject({ pid: process.pid });
    s.close();
  });
});
