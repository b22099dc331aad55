/**
 * `segnas train`: PaddleSeg's NAS entry point, same flags and KEY VALUE overrides:
 *   segnas train --log_steps 10 --cfg configs/cityscapes.yaml --use_gpu --use_mpio \
 *     SLIM.NAS_PORT 23333 SLIM.NAS_ADDRESS "" SLIM.NAS_SEARCH_STEPS 2 \
 *     SLIM.NAS_START_EVAL_EPOCH -1 SLIM.NAS_IS_SERVER True SLIM.NAS_SPACE_NAME "MobileNetV2SpaceSeg"
 * SLIM.NAS_IS_SERVER True: this process runs the controller and also works as one worker (more
 * workers may join with `segnas worker` or `segnas train ... SLIM.NAS_IS_SERVER False`).
 * SLIM.NAS_IS_SERVER False: this process is a worker for the server at SLIM.NAS_ADDRESS.
 */
import type { Argv, CommandModule } from "yargs";
import { defaultWorkerId } from "@segnas/worker";
import { parsePositiveInt } from "../args";
import { loadNasConfig, runDirOf, type NasConfigArgs } from "../nas/config";
import { ensureDataset } from "../nas/dataset";
import { checkSearchSucceeded, printFinish } from "../nas/finish";
import { controllerSource, watchRunner } from "../nas/live";
import { LocalWorkerState, liveStatusFor } from "../nas/live-status";
import { nasLogger } from "../nas/logger";
import { preflightWorker } from "../nas/preflight";
import { localAddressOf, onSignals, serverAddressOf, startServer, startWorker } from "../nas/start";
import {
  backendOption,
  importPaddleSlimOption,
  jsonOption,
  logStepsOption,
  retryFailedOption,
  runDirOption,
  useMpioOption,
  withConfigArgs,
  type TrainingArgs,
} from "../options";

interface TrainArgs extends NasConfigArgs, TrainingArgs {
  use_gpu: boolean;
  "import-paddleslim"?: string;
  "retry-failed": boolean;
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: "train [overrides..]",
  describe: "PaddleSeg-compatible NAS entry point: controller + worker (NAS_IS_SERVER True) or worker only",
  builder: (y: Argv) =>
    withConfigArgs(y)
      .option("log_steps", logStepsOption())
      .option("use_gpu", {
        type: "boolean",
        default: false,
        describe: "train on the GPU (needs @tensorflow/tfjs-node-gpu)",
      })
      .option("use_mpio", useMpioOption())
      .option("backend", backendOption())
      .option("run-dir", runDirOption("run directory (default TRAIN.MODEL_SAVE_DIR)"))
      .option("import-paddleslim", importPaddleSlimOption())
      .option("retry-failed", retryFailedOption())
      .option("json", jsonOption())
      .example(
        '$0 train --cfg configs/cityscapes.yaml --use_gpu SLIM.NAS_SEARCH_STEPS 2 SLIM.NAS_IS_SERVER True SLIM.NAS_SPACE_NAME "MobileNetV2SpaceSeg"',
        "server + one worker in this process",
      ) as unknown as Argv<TrainArgs>,
  handler: async (args) => {
    const live = liveStatusFor(args);
    const mine = new LocalWorkerState();
    const logger = nasLogger({
      json: args.json,
      name: "train",
      ...(live
        ? { out: live.out, onRecord: (r: Record<string, unknown>) => mine.noteRecord(r, Date.now()) }
        : {}),
    });
    const nc = loadNasConfig(args, logger);
    const runDir = runDirOf(nc.cfg, args["run-dir"]);
    const logSteps = args.log_steps === undefined ? 10 : parsePositiveInt(args.log_steps, "--log_steps");
    const backend = args.backend;
    if (args.use_gpu && !backend && nc.cfg.SEGNAS.BACKEND === "auto") {
      logger.info(
        "--use_gpu: the trainer picks the GPU backend when @tensorflow/tfjs-node-gpu is installed (see `segnas doctor`)",
      );
    }
    await ensureDataset(nc.cfg, logger);
    // Before the first trial is asked for (and, with the server in this process, before it
    // journals anything): a missing dataset or a broken backend ends the command here.
    await preflightWorker(nc, logger, backend ? { backend } : {});
    const stop = new AbortController();
    const workerId = defaultWorkerId();
    const workerOpts = {
      runDir,
      workerId,
      wrapRunner: watchRunner(mine),
      logSteps,
      useMpio: args.use_mpio,
      ...(backend ? { backend } : {}),
      signal: stop.signal,
    };
    if (!nc.cfg.SLIM.NAS_IS_SERVER) {
      const { host, port } = serverAddressOf(nc);
      const since = Date.now();
      live?.start(() => mine.state(`segnas train (worker) → ${host}:${port}`, workerId, since, Date.now()));
      const off = onSignals(logger, () => stop.abort("interrupted"));
      const summary = await startWorker(nc, logger.child({ name: "worker" }), { ...workerOpts, host, port });
      live?.stop();
      off();
      logger.info(
        `worker finished (${summary.outcome}): ${summary.completed} trial(s) completed, ${summary.failed} failed`,
      );
      if (summary.outcome === "stopped") process.exitCode = 130;
      return;
    }
    const launched = await startServer(nc, logger.child({ name: "server" }), {
      runDir,
      // PaddleSeg's own command line (SLIM.NAS_ADDRESS "", no secret) runs as written: a warning only.
      allowNoSecret: true,
      ...(args["import-paddleslim"] ? { importPaddleSlim: args["import-paddleslim"] } : {}),
      retryFailed: args["retry-failed"],
    });
    live?.start(
      controllerSource(launched, {
        title: `segnas train · ${runDir}`,
        epochs: nc.cfg.SOLVER.NUM_EPOCHS,
        local: { name: workerId, state: mine },
      }),
    );
    let interrupted = false;
    const off = onSignals(logger, () => {
      interrupted = true;
      stop.abort("interrupted");
      void launched.close().then(() => {
        live?.stop();
        process.stderr.write(
          `stopped; the journal in ${runDir} keeps the study: run the same command to resume\n`,
        );
        process.exit(130);
      });
    });
    // The worker in this process lives as long as its server: when the search is over (or was
    // over before it began: a resumed finished study) it ends, instead of retrying a server
    // that is gone.
    const serverGone = new AbortController();
    const finished = launched.finish();
    const worker =
      launched.controller.finished !== undefined
        ? null
        : startWorker(nc, logger.child({ name: "worker" }), {
            ...workerOpts,
            signal: AbortSignal.any([stop.signal, serverGone.signal]),
            ...localAddressOf(launched),
          });
    let workerError: unknown = null;
    // A worker that gives up (it is broken, not the architectures) ends the search here too.
    const workerDone = worker?.catch((e: unknown) => {
      workerError = e;
      void launched.close();
    });
    finished.catch(() => undefined); // awaited below unless the worker gave up first
    let report: Awaited<typeof finished> | null = null;
    try {
      report = await Promise.race([
        finished,
        workerDone?.then(() => (workerError ? null : finished)) ?? finished,
      ]);
    } finally {
      serverGone.abort("the server in this process has finished");
      await workerDone;
      live?.stop();
      off();
    }
    if (workerError) throw workerError;
    if (interrupted || !report) return;
    printFinish(launched, report);
    checkSearchSucceeded(launched, report);
  },
};
