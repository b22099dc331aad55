/**
 * `segnas server`: the search controller alone. Workers (`segnas worker`, or `segnas train` with
 * SLIM.NAS_IS_SERVER False) connect to SLIM.NAS_ADDRESS:SLIM.NAS_PORT. The study lives in the run
 * directory's journal: run the same command again after a crash or Ctrl-C and it resumes.
 */
import { checkPort } from "@segnas/server";
import type { Argv, CommandModule } from "yargs";
import { loadNasConfig, runDirOf, type NasConfigArgs } from "../nas/config";
import { checkSearchSucceeded, printFinish } from "../nas/finish";
import { controllerSource } from "../nas/live";
import { liveStatusFor } from "../nas/live-status";
import { nasLogger } from "../nas/logger";
import { onSignals, startServer } from "../nas/start";
import {
  importPaddleSlimOption,
  jsonOption,
  retryFailedOption,
  runDirOption,
  withConfigArgs,
} from "../options";

interface ServerArgs extends NasConfigArgs {
  host?: string;
  port?: number;
  "import-paddleslim"?: string;
  "retry-failed": boolean;
  json: boolean;
}

export const serverCommand: CommandModule<object, ServerArgs> = {
  command: "server [overrides..]",
  describe: "Run the search controller that hands architectures to workers (resumes from its journal)",
  builder: (y: Argv) =>
    withConfigArgs(y)
      .option("run-dir", runDirOption("run directory: journal and results (default TRAIN.MODEL_SAVE_DIR)"))
      .option("host", {
        type: "string",
        describe: 'bind address (default SLIM.NAS_ADDRESS; "" = all interfaces)',
      })
      .option("port", {
        type: "number",
        describe: "port (default SLIM.NAS_PORT; 0 picks a free one and prints it)",
      })
      .option("import-paddleslim", importPaddleSlimOption())
      .option("retry-failed", retryFailedOption())
      .option("json", jsonOption())
      .example("$0 server --cfg configs/cityscapes.yaml SLIM.NAS_SEARCH_STEPS 100", "serve a 100-step search")
      .example(
        "$0 server --cfg configs/demo.yaml --port 0",
        "any free port (printed)",
      ) as unknown as Argv<ServerArgs>,
  handler: async (args) => {
    if (args.port !== undefined) checkPort(args.port, "--port");
    const live = liveStatusFor(args);
    const logger = nasLogger({ json: args.json, name: "server", ...(live ? { out: live.out } : {}) });
    const nc = loadNasConfig(args, logger);
    const runDir = runDirOf(nc.cfg, args["run-dir"]);
    const launched = await startServer(nc, logger, {
      runDir,
      ...(args.host !== undefined ? { host: args.host } : {}),
      ...(args.port !== undefined ? { port: args.port } : {}),
      ...(args["import-paddleslim"] ? { importPaddleSlim: args["import-paddleslim"] } : {}),
      retryFailed: args["retry-failed"],
    });
    live?.start(
      controllerSource(launched, { title: `segnas server · ${runDir}`, epochs: nc.cfg.SOLVER.NUM_EPOCHS }),
    );
    let interrupted = false;
    const off = onSignals(logger, () => {
      interrupted = true;
      void launched.close().then(() => {
        live?.stop();
        process.stderr.write(
          `stopped; the journal in ${runDir} keeps the study: run the same command to resume\n`,
        );
        process.exit(130);
      });
    });
    const report = await launched.finish();
    live?.stop();
    off();
    if (interrupted) return;
    printFinish(launched, report);
    checkSearchSucceeded(launched, report);
  },
};
