/**
 * `segnas train-arch`: train one architecture (default: the init tokens) the way a search
 * trial does — in a child process, fresh seeded weights, evaluation per epoch — and print its
 * parameters, FLOPs, per-epoch mIoU and the reward (best mIoU), or one JSON object with --json.
 * Trailing KEY VALUE words override the config. Ctrl-C stops the trial gracefully (a second
 * Ctrl-C kills it). A failed trial prints `error [CODE]: reason` and exits with the code's status.
 */
import * as path from "path";
import type { Argv, CommandModule } from "yargs";
import { ERROR_CODES, MobileNetV2SpaceSeg, type MobileNetV2SegArch } from "@segnas/core";
import { checkSupported, describeIgnoredKeys, loadConfig, resolveSaveDir } from "@segnas/config";
import {
  createProgressBar,
  ensureConfigDataset,
  runTrial,
  type EpochEvent,
  type TrialOutcome,
} from "@segnas/trainer";
import { parsePositiveInt, parseTokensArg } from "../args";
import { formatCount, formatFlops, formatTable } from "../format";
import { nasLogger } from "../nas/logger";
import {
  backendOption,
  jsonOption,
  logStepsOption,
  useMpioOption,
  withConfigArgs,
  type TrainingArgs,
} from "../options";

interface TrainArchArgs extends TrainingArgs {
  cfg?: string;
  tokens?: string;
  out?: string;
  overrides?: (string | number)[];
}

function report(
  arch: MobileNetV2SegArch,
  outcome: TrialOutcome,
  started: { backend: string; params: number; flops: number | null } | null,
  trialDir: string,
) {
  const base = {
    status: outcome.status,
    tokens: arch.tokens,
    blocks: arch.blocks,
    backend: outcome.backend,
    params: started?.params ?? null,
    flops: started?.flops ?? null,
    durationMs: outcome.durationMs,
    trialDir,
  };
  if (outcome.status === "failed") {
    return { ...base, reward: null, curve: outcome.curve, code: outcome.code, reason: outcome.reason };
  }
  const best = outcome.curve.reduce<{ epoch: number | null; miou: number }>(
    (b, r) =>
      r.miou !== null && (b.epoch === null || r.miou > b.miou) ? { epoch: r.epoch, miou: r.miou } : b,
    { epoch: null, miou: 0 },
  );
  return {
    ...base,
    reward: outcome.reward,
    bestEpoch: best.epoch,
    curve: outcome.curve,
    modelDir: outcome.modelDir,
    ...(outcome.status === "stopped" ? { reason: outcome.reason } : {}),
  };
}

/** Relative to the working directory when inside it, absolute otherwise. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}

export const trainArchCommand: CommandModule<object, TrainArchArgs> = {
  command: "train-arch [overrides..]",
  describe: "Train one architecture like a search trial and print its per-epoch mIoU and reward",
  builder: (y: Argv) =>
    withConfigArgs(y, { overrides: "config overrides as KEY VALUE pairs (e.g. SOLVER.NUM_EPOCHS 2)" })
      .option("tokens", {
        type: "string",
        describe:
          "25 comma-separated tokens of MobileNetV2SpaceSeg, or init, min, max (default SEGNAS.TOKENS, else init)",
      })
      .option(
        "backend",
        backendOption("TensorFlow.js backend: auto | wasm | cpu | tensorflow (default SEGNAS.BACKEND)"),
      )
      .option("log_steps", logStepsOption())
      .option("use_mpio", useMpioOption())
      .option("json", jsonOption("print one JSON object on stdout"))
      .option("out", {
        type: "string",
        describe:
          "trial directory for the model, arch.json and metrics.json (default TRAIN.MODEL_SAVE_DIR/train-arch/<tokens>)",
      })
      .example("$0 train-arch --cfg configs/demo.yaml", "train the init architecture on the demo data")
      .example(
        "$0 train-arch --cfg configs/camvid-mini.yaml --tokens min SOLVER.NUM_EPOCHS 2",
        "the smallest architecture, 2 epochs",
      ) as unknown as Argv<TrainArchArgs>,
  handler: async (args) => {
    const overrides = (args.overrides ?? []).map(String);
    const loaded = loadConfig({ file: args.cfg, overrides });
    checkSupported(loaded);
    const cfg = loaded.config;
    const logSteps = args.log_steps === undefined ? 10 : parsePositiveInt(args.log_steps, "--log_steps");
    const logger = nasLogger({ json: args.json });
    const ignored = describeIgnoredKeys(loaded.ignoredKeys);
    if (ignored) logger.warn(ignored);
    for (const w of loaded.warnings) logger.warn(w);

    const space = new MobileNetV2SpaceSeg();
    const tokensArg = args.tokens ?? (cfg.SEGNAS.TOKENS.length > 0 ? cfg.SEGNAS.TOKENS.join(",") : "init");
    const arch = space.decode(parseTokensArg(space, tokensArg));
    const synthetic = await ensureConfigDataset(cfg);
    if (synthetic?.created) logger.info(`built the synthetic dataset in ${synthetic.dir}`);
    const trialDir = path.resolve(
      args.out ?? path.join(resolveSaveDir(cfg) ?? path.resolve("runs"), "train-arch", arch.tokens.join("_")),
    );

    const bar = createProgressBar(process.stderr, { enabled: !args.json });
    const stop = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      bar.clear();
      logger.warn("stopping the trial (Ctrl-C again to kill it)");
      stop.abort("interrupted (Ctrl-C)");
    };
    process.on("SIGINT", onSigint);

    let started: { backend: string; params: number; flops: number | null } | null = null;
    const rows: (string | number)[][] = [["epoch", "loss", "mIoU", "lr", "img/s"]];
    const onEpoch = (e: EpochEvent): void => {
      bar.clear();
      const r = e.record;
      rows.push([
        e.epoch,
        r.loss.toFixed(4),
        r.miou === null ? "-" : r.miou.toFixed(4),
        r.lr.toExponential(2),
        r.imagesPerSecond.toFixed(2),
      ]);
    };
    if (!args.json) {
      process.stdout.write(`architecture  ${arch.tokens.join(",")}\n`);
      process.stdout.write(
        `blocks        ${arch.blocks.map((b) => `(${b.t},${b.c},${b.n},${b.s},${b.k})`).join(" ")}\n`,
      );
    }
    const outcome = await runTrial({
      arch,
      config: cfg,
      trialDir,
      backend: args.backend,
      logSteps,
      useMpio: args.use_mpio,
      logger,
      signal: stop.signal,
      onStarted: (info) => {
        started = info;
        if (!args.json) {
          const [w, h] = cfg.TRAIN_CROP_SIZE;
          process.stdout.write(`backend       ${info.backend}\n`);
          process.stdout.write(`params        ${formatCount(info.params)}\n`);
          if (info.flops !== null) {
            process.stdout.write(
              `FLOPs         ${info.flops} (${formatFlops(info.flops)}) per image at ${w}x${h}\n`,
            );
          }
        }
      },
      onProgress: (p) => bar.update(p),
      onEpoch,
    });
    bar.clear();
    process.removeListener("SIGINT", onSigint);

    if (args.json) {
      process.stdout.write(JSON.stringify(report(arch, outcome, started, trialDir)) + "\n");
    } else {
      if (rows.length > 1) process.stdout.write(formatTable(rows) + "\n");
      if (outcome.status !== "failed") {
        const r = report(arch, outcome, started, trialDir) as { bestEpoch: number | null };
        process.stdout.write(
          `reward        ${outcome.reward.toFixed(4)} (best mIoU${r.bestEpoch === null ? ", never evaluated" : `, epoch ${r.bestEpoch}`})\n`,
        );
        if (outcome.status === "stopped") process.stdout.write(`stopped       ${outcome.reason}\n`);
        if (outcome.modelDir) process.stdout.write(`model         ${displayPath(outcome.modelDir)}\n`);
        process.stdout.write(`time          ${(outcome.durationMs / 1000).toFixed(1)} s\n`);
      }
    }
    if (outcome.status === "failed") {
      if (!args.json) process.stderr.write(`error [${outcome.code}]: ${outcome.reason}\n`);
      process.exitCode = ERROR_CODES[outcome.code].exitCode;
    } else if (outcome.status === "stopped" && stop.signal.aborted) {
      process.exitCode = 130;
    }
  },
};
