/**
 * The yargs options several commands share, written once: each factory returns one option's
 * definition (a command may reword the description where its meaning differs), and
 * `withConfigArgs` adds the trailing KEY VALUE overrides and --cfg that every config-reading
 * command starts with. Commands chain them in their own order, so --help reads as before.
 */
import type { Argv } from "yargs";

/** Trailing KEY VALUE config overrides (`[overrides..]` in the command string). */
export const overridesPositional = (describe = "config overrides as KEY VALUE pairs") =>
  ({ type: "string", array: true, describe }) as const;

export const cfgOption = (describe = "PaddleSeg YAML config file") => ({ type: "string", describe }) as const;

export const runDirOption = (describe: string) => ({ type: "string", describe }) as const;

export const importPaddleSlimOption = (
  describe = "seed the search from a PaddleSlim SANAS checkpoint (nas_checkpoint/sanas.checkpoints)",
) => ({ type: "string", describe }) as const;

export const retryFailedOption = () =>
  ({
    type: "boolean",
    default: false,
    describe: "hand the study's failed architectures out again (they no longer count as failures)",
  }) as const;

export const jsonOption = (describe = "log JSON lines (pino) instead of text") =>
  ({ type: "boolean", default: false, describe }) as const;

export const backendOption = (describe = "TensorFlow.js backend (default SEGNAS.BACKEND)") =>
  ({ type: "string", describe }) as const;

export const logStepsOption = (describe = "log every N training steps (default 10)") =>
  ({ type: "string", describe }) as const;

export const useMpioOption = () =>
  ({ type: "boolean", default: false, describe: "decode and augment in worker threads" }) as const;

/** The overrides positional, then --cfg. */
export function withConfigArgs(y: Argv, describe: { overrides?: string; cfg?: string } = {}): Argv {
  return y
    .positional("overrides", overridesPositional(describe.overrides))
    .option("cfg", cfgOption(describe.cfg));
}

/** What backendOption, logStepsOption, useMpioOption and jsonOption parse to. */
export interface TrainingArgs {
  backend?: string;
  log_steps?: string | number;
  use_mpio: boolean;
  json: boolean;
}
