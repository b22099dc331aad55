/**
 * `segnas make-dataset synthetic --out DIR`: writes the deterministic synthetic segmentation set
 * (textured shapes; see docs/data.md) in PaddleSeg's file-list layout and prints the config keys
 * that point at it. Same seed and options = byte-identical files; an identical existing copy is
 * reused, a different one is replaced only with --force.
 */
import * as path from "path";
import type { Argv, CommandModule } from "yargs";
import { SegnasError } from "@segnas/core";
import { parsePositiveInt, parseSize } from "../args";

interface MakeDatasetArgs {
  kind: string;
  out: string;
  classes: string;
  train: string;
  val: string;
  size: string;
  seed: string;
  force: boolean;
}

function parseSeed(text: unknown): number {
  const s = String(text).trim();
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) {
    throw new SegnasError(
      "SEGNAS_E_BAD_ARGUMENT",
      `--seed ${JSON.stringify(text)}: expected an integer from 0 to 4294967295`,
      {
        name: "--seed",
        value: text,
      },
    );
  }
  return Number(s);
}

export const makeDatasetCommand: CommandModule<object, MakeDatasetArgs> = {
  command: "make-dataset <kind>",
  describe: "Write a dataset in PaddleSeg file-list layout (kind: synthetic)",
  builder: (y: Argv) =>
    y
      .positional("kind", {
        choices: ["synthetic"],
        describe: "what to make",
        type: "string",
        demandOption: true,
      })
      .option("out", { type: "string", demandOption: true, describe: "output folder (DATASET.DATA_DIR)" })
      .option("classes", { type: "string", default: "5", describe: "classes incl. background (2..10)" })
      .option("train", { type: "string", default: "200", describe: "training images" })
      .option("val", { type: "string", default: "50", describe: "validation images" })
      .option("size", { type: "string", default: "64x64", describe: "image size HEIGHTxWIDTH" })
      .option("seed", { type: "string", default: "1", describe: "same seed = byte-identical files" })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "replace a synthetic set made with other options",
      })
      .example("$0 make-dataset synthetic --out runs/syn", "5 classes, 200/50 images of 64x64")
      .example(
        "$0 make-dataset synthetic --out runs/syn8 --classes 8 --size 96x128 --seed 3",
        "",
      ) as unknown as Argv<MakeDatasetArgs>,
  handler: async (args) => {
    const { height, width } = parseSize(args.size, "--size");
    const opts = {
      classes: parsePositiveInt(args.classes, "--classes", 10),
      train: parsePositiveInt(args.train, "--train", 1_000_000),
      val: parsePositiveInt(args.val, "--val", 1_000_000),
      width,
      height,
      seed: parseSeed(args.seed),
    };
    // Loaded on use: the trainer package pulls in tfjs, which other commands do not need.
    const { ensureSyntheticDataset } = await import("@segnas/trainer");
    const ds = await ensureSyntheticDataset(args.out, opts, { overwrite: args.force });
    const rel = (p: string): string => path.relative(process.cwd(), p) || ".";
    const m = ds.manifest;
    process.stdout.write(
      `${ds.created ? "wrote" : "already up to date:"} ${rel(ds.dir)} — ${m.train} train + ${m.val} val images, ` +
        `${m.width}x${m.height} (WxH), ${m.classes} classes (${m.classNames.join(", ")}), ignore ${m.ignoreIndex}, seed ${m.seed}\n` +
        `config: DATASET.DATA_DIR ${rel(ds.dir)} DATASET.TRAIN_FILE_LIST ${rel(ds.trainList)} ` +
        `DATASET.VAL_FILE_LIST ${rel(ds.valList)} DATASET.NUM_CLASSES ${m.classes}\n`,
    );
  },
};
