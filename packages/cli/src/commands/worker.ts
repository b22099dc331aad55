/**
 * `segnas worker`: trains architectures for a controller until it says the search is done (exit
 * 0). Reaches the server at --address or SLIM.NAS_ADDRESS:SLIM.NAS_PORT, retrying for
 * SEGNAS.CONNECT_RETRY_SECONDS; survives server restarts. One worker per GPU: pin each with
 * CUDA_VISIBLE_DEVICES, or let `--gpus 0,1,2,3` start one per listed GPU.
 */
import { spawn } from "node:child_process";
import type { Argv, CommandModule } from "yargs";
import { SegnasError } from "@segnas/core";
import { defaultWorkerId } from "@segnas/worker";
import { parsePositiveInt } from "../args";
import { loadNasConfig, runDirOf, type NasConfigArgs } from "../nas/config";
import { ensureDataset } from "../nas/dataset";
import { watchRunner } from "../nas/live";
import { LocalWorkerState, liveStatusFor } from "../nas/live-status";
import { nasLogger } from "../nas/logger";
import { preflightWorker } from "../nas/preflight";
import { onSignals, serverAddressOf, startWorker } from "../nas/start";
import {
  backendOption,
  jsonOption,
  logStepsOption,
  runDirOption,
  useMpioOption,
  withConfigArgs,
  type TrainingArgs,
} from "../options";

interface WorkerArgs extends NasConfigArgs, TrainingArgs {
  address?: string;
  gpus?: string;
  "worker-id"?: string;
}

/**
 * Starts one `segnas worker` child per GPU id, each with its own CUDA_VISIBLE_DEVICES (tfjs-node-gpu)
 * and SEGNAS_GPU_INDEX (webgpu: the index into the adapters `segnas doctor` lists).
 */
async function perGpu(gpus: string[]): Promise<number> {
  const argv = process.argv.slice(2);
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--gpus") i++;
    else if (!a.startsWith("--gpus=")) rest.push(a);
  }
  const codes = await Promise.all(
    gpus.map(
      (gpu) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [process.argv[1] as string, ...rest], {
            stdio: "inherit",
            env: { ...process.env, CUDA_VISIBLE_DEVICES: gpu, SEGNAS_GPU_INDEX: gpu },
          });
          child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
        }),
    ),
  );
  return Math.max(0, ...codes);
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: "worker [overrides..]",
  describe: "Train architectures for a search controller until the search is done",
  builder: (y: Argv) =>
    withConfigArgs(y)
      .option("address", {
        type: "string",
        describe: "server host:port (default SLIM.NAS_ADDRESS:SLIM.NAS_PORT)",
      })
      .option("run-dir", runDirOption("where trial directories go (default TRAIN.MODEL_SAVE_DIR)"))
      .option("backend", backendOption())
      .option("gpus", {
        type: "string",
        describe:
          "start one worker per GPU id, e.g. 0,1,2,3 (sets CUDA_VISIBLE_DEVICES and, for webgpu, SEGNAS_GPU_INDEX)",
      })
      .option("worker-id", { type: "string", describe: "stable worker id (default host:pid[:gpuN])" })
      .option("log_steps", logStepsOption("log every N training steps"))
      .option("use_mpio", useMpioOption())
      .option("json", jsonOption())
      .example("$0 worker --cfg configs/cityscapes.yaml --address 10.0.0.5:23333", "work for a remote server")
      .example(
        "$0 worker --cfg configs/cityscapes.yaml --gpus 0,1",
        "two workers, one per GPU",
      ) as unknown as Argv<WorkerArgs>,
  handler: async (args) => {
    if (args.gpus !== undefined) {
      const gpus = String(args.gpus)
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean);
      if (gpus.length === 0)
        throw new SegnasError("SEGNAS_E_BAD_ARGUMENT", "--gpus needs GPU ids, e.g. --gpus 0,1");
      process.exitCode = await perGpu(gpus);
      return;
    }
    const live = liveStatusFor(args);
    const mine = new LocalWorkerState();
    const logger = nasLogger({
      json: args.json,
      name: "worker",
      ...(live
        ? { out: live.out, onRecord: (r: Record<string, unknown>) => mine.noteRecord(r, Date.now()) }
        : {}),
    });
    const nc = loadNasConfig(args, logger);
    const { host, port } = serverAddressOf(nc, args.address);
    const since = Date.now();
    const name = args["worker-id"] ?? defaultWorkerId();
    live?.start(() => mine.state(`segnas worker ${name} → ${host}:${port}`, name, since, Date.now()));
    await ensureDataset(nc.cfg, logger);
    await preflightWorker(nc, logger, args.backend ? { backend: args.backend } : {});
    const stop = new AbortController();
    const off = onSignals(logger, () => stop.abort("interrupted"));
    const summary = await startWorker(nc, logger, {
      host,
      port,
      runDir: runDirOf(nc.cfg, args["run-dir"]),
      ...(args.backend ? { backend: args.backend } : {}),
      ...(args.log_steps !== undefined ? { logSteps: parsePositiveInt(args.log_steps, "--log_steps") } : {}),
      useMpio: args.use_mpio,
      ...(args["worker-id"] ? { workerId: args["worker-id"] } : {}),
      signal: stop.signal,
      workerId: name,
      wrapRunner: watchRunner(mine),
    });
    live?.stop();
    off();
    logger.info(
      `worker finished (${summary.outcome}: ${summary.reason}): ${summary.completed} trial(s) completed, ${summary.failed} failed`,
    );
    if (summary.outcome === "stopped") process.exitCode = 130;
  },
};
