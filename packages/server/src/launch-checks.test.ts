import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "@segnas/config";
import pino from "pino";
import { launchServer } from "./launch";
import { checkRunDir } from "./run-dir-check";
import { testStrategies } from "./testing/test-strategies";

const log = pino({ level: "silent" });
const dirs: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-launch-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function config(overrides: string[]) {
  return loadConfig({
    overrides: ["SLIM.NAS_SPACE_NAME", "MobileNetV2SpaceSeg", "TRAIN_CROP_SIZE", "(64, 64)", ...overrides],
  }).config;
}

describe("checks before the server journals anything", () => {
  it("init tokens over SEGNAS.MAX_FLOPS / MAX_PARAMS: a ConfigError naming both limits, nothing written", async () => {
    const runDir = path.join(tmp(), "run");
    const cfg = config([
      "SEGNAS.STRATEGY",
      "sa-paddleslim",
      "SEGNAS.MAX_FLOPS",
      "1000",
      "SEGNAS.MAX_PARAMS",
      "10",
    ]);
    const err = await launchServer({
      config: cfg,
      runDir,
      logger: log,
      strategies: testStrategies,
      noListen: true,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "SEGNAS_E_CONFIG", exitCode: 2 });
    expect((err as Error).message).toMatch(
      /init tokens .* exceed .*SEGNAS\.MAX_FLOPS 1000.*SEGNAS\.MAX_PARAMS 10/,
    );
    expect((err as Error).message).toMatch(/at least SEGNAS\.MAX_FLOPS \d+ and SEGNAS\.MAX_PARAMS \d+/);
    expect(fs.existsSync(runDir)).toBe(false);
  });

  it("a strategy that starts from random samples is not held to the init tokens", async () => {
    const runDir = path.join(tmp(), "run");
    const cfg = config(["SEGNAS.STRATEGY", "random-test", "SEGNAS.MAX_FLOPS", "1000"]);
    const launched = await launchServer({
      config: cfg,
      runDir,
      logger: log,
      strategies: testStrategies,
      noListen: true,
      fsync: false,
    });
    await launched.close();
    expect(fs.existsSync(path.join(runDir, "journal.jsonl"))).toBe(true);
  });

  it("a run directory under a file is refused by path, with the key to change, before anything is written", async () => {
    const file = path.join(tmp(), "a-file");
    fs.writeFileSync(file, "x");
    const runDir = path.join(file, "run");
    expect(() => checkRunDir(runDir)).toThrow(
      expect.objectContaining({ code: "SEGNAS_E_RUN_DIR", exitCode: 5 }) as Error,
    );
    expect(() => checkRunDir(runDir)).toThrow(
      /a-file is not a directory; choose another with --run-dir or TRAIN\.MODEL_SAVE_DIR/,
    );
    await expect(
      launchServer({ config: config([]), runDir, logger: log, strategies: testStrategies, noListen: true }),
    ).rejects.toMatchObject({ code: "SEGNAS_E_RUN_DIR" });
  });

  it("too little free space is refused with the free and the needed MiB", () => {
    const dir = tmp();
    expect(checkRunDir(path.join(dir, "new", "run")).checked).toBe(dir);
    expect(() => checkRunDir(dir, Number.MAX_SAFE_INTEGER)).toThrow(
      /has only [\d.]+ MiB free .* needs at least/,
    );
  });
});
