/**
 * `segnas demo` (what `npm start` runs): a real distributed search on synthetic data — this
 * process runs the controller on a free loopback port and starts two `segnas worker` child
 * processes that train the proposed networks with TensorFlow.js; at the end it prints the
 * ranked architectures and where the best model is. Config: configs/demo.yaml (the synthetic
 * dataset is built on first use); trailing KEY VALUE pairs override it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { Argv, CommandModule } from "yargs";
import { SegnasError } from "@segnas/core";
import { resolveSaveDir } from "@segnas/config";
import { parsePositiveInt } from "../args";
import { loadNasConfig, type NasConfigArgs } from "../nas/config";
import { ensureDataset } from "../nas/dataset";
import { printFinish } from "../nas/finish";
import { controllerSource } from "../nas/live";
import { liveStatusFor } from "../nas/live-status";
import { nasLogger } from "../nas/logger";
import { localAddressOf, onSignals, startServer } from "../nas/start";
import { jsonOption, runDirOption, withConfigArgs } from "../options";

interface DemoArgs extends NasConfigArgs {
  workers: string | number;
  json: boolean;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const BIN = path.resolve(__dirname, "..", "..", "bin", "segnas.js");

function defaultConfig(): string {
  for (const p of [path.resolve("configs", "demo.yaml"), path.join(REPO_ROOT, "configs", "demo.yaml")]) {
    if (fs.existsSync(p)) return p;
  }
  throw new SegnasError(
    "SEGNAS_E_CONFIG",
    "configs/demo.yaml not found: run the demo from the segnas repository, or pass --cfg",
  );
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** Runs `segnas worker` as a child, its log lines prefixed with its name. */
function spawnWorker(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void = (s) => process.stderr.write(s),
): { child: ChildProcess; exited: Promise<number> } {
  const child = spawn(process.execPath, [BIN, "worker", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on("line", (line) => out(`${name} | ${line}\n`));
  }
  const exited = new Promise<number>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return { child, exited };
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: "demo [overrides..]",
  describe: "A real distributed search on synthetic data: a controller and two worker processes (npm start)",
  builder: (y: Argv) =>
    withConfigArgs(y, { cfg: "config file (default configs/demo.yaml)" })
      .option("workers", { type: "string", default: "2", describe: "worker processes to start" })
      .option("run-dir", runDirOption("run directory (default TRAIN.MODEL_SAVE_DIR/<time>)"))
      .option("json", jsonOption())
      .example("$0 demo", "the default demo (6 architectures, 3 epochs each)")
      .example(
        "$0 demo SLIM.NAS_SEARCH_STEPS 4 SOLVER.NUM_EPOCHS 2",
        "a shorter one",
      ) as unknown as Argv<DemoArgs>,
  handler: async (args) => {
    const live = liveStatusFor(args);
    const logger = nasLogger({ json: args.json, name: "demo", ...(live ? { out: live.out } : {}) });
    const cfgFile = args.cfg ?? defaultConfig();
    const nc = loadNasConfig({ ...args, cfg: cfgFile }, logger);
    const workers = parsePositiveInt(args.workers, "--workers", 64);
    const runDir = path.resolve(
      args["run-dir"] ?? path.join(resolveSaveDir(nc.cfg) ?? path.resolve("runs", "demo"), stamp()),
    );
    await ensureDataset(nc.cfg, logger);
    const launched = await startServer(nc, logger.child({ name: "server" }), {
      runDir,
      host: "127.0.0.1",
      port: 0,
    });
    const { host, port } = localAddressOf(launched);
    const workerArgs = [
      "--cfg",
      cfgFile,
      "--address",
      `${host}:${port}`,
      "--run-dir",
      runDir,
      ...(args.json ? ["--json"] : []),
      ...nc.overrides,
    ];
    const env = { ...process.env };
    delete env.CUDA_VISIBLE_DEVICES;
    const children = Array.from({ length: workers }, (_, i) =>
      spawnWorker(`worker-${i + 1}`, workerArgs, env, live?.out),
    );
    live?.start(
      controllerSource(launched, { title: `segnas demo · ${runDir}`, epochs: nc.cfg.SOLVER.NUM_EPOCHS }),
    );
    logger.info(
      `started ${workers} worker process(es) (pids ${children.map((c) => c.child.pid).join(", ")})`,
    );
    let interrupted = false;
    const off = onSignals(logger, () => {
      interrupted = true;
      live?.stop();
      for (const c of children) c.child.kill("SIGTERM");
      void Promise.all(children.map((c) => c.exited))
        .then(() => launched.close())
        .then(() => process.exit(130));
    });
    // If every worker dies before the search is over, say so instead of waiting forever.
    const allExited = Promise.all(children.map((c) => c.exited)).then((codes) => codes);
    const first = await Promise.race([
      launched.whenFinished().then(() => "finished" as const),
      allExited.then(() => "workers-gone" as const),
    ]);
    if (first === "workers-gone" && launched.controller.finished === undefined) {
      live?.stop();
      off();
      const codes = await allExited;
      await launched.close();
      throw new SegnasError(
        "SEGNAS_E_TRAINING",
        `all worker processes exited (codes ${codes.join(", ")}) before the search finished; see their log lines above. ` +
          `Run the same command with --run-dir ${runDir} to resume`,
      );
    }
    const report = await launched.finish();
    const codes = await allExited;
    live?.stop();
    off();
    if (interrupted) return;
    printFinish(launched, report);
    if (codes.some((c) => c !== 0)) logger.warn(`worker exit codes: ${codes.join(", ")}`);
  },
};
