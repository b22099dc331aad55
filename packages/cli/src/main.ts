/**
 * The segnas command line. Each command lives in its own module under commands/; this file
 * only registers them and turns typed errors into a message and an exit status.
 */
import yargs from "yargs";
import { SEGNAS_VERSION } from "@segnas/worker";
import { ERROR_CODES } from "@segnas/core";
import { commands } from "./commands";
import { reportError } from "./report-error";

export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName("segnas")
    .usage("$0 <command> [options]")
    .strict()
    .demandCommand(1, "Name a command; `segnas --help` lists them.")
    .recommendCommands()
    .help()
    .alias("h", "help")
    // `segnas --version`: what an image's smoke test and a support request ask first.
    .version("version", "Show the segnas version", SEGNAS_VERSION)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`error: ${msg}\nRun \`segnas --help\` for usage.\n`);
      process.exit(ERROR_CODES.SEGNAS_E_BAD_ARGUMENT.exitCode);
    });
  for (const command of commands) cli.command(command);
  try {
    await cli.parseAsync();
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
