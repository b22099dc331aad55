/**
 * The entry point commands use: read `--cfg FILE` (if any), apply the trailing overrides and
 * the environment. The only file I/O of this package.
 */
import * as fs from "fs";
import * as path from "path";
import { buildConfig, type LoadedConfig } from "./build-config";
import { ConfigError } from "./errors";

export interface LoadConfigOptions {
  /** `--cfg FILE`, as the user gave it (relative paths are resolved against `cwd`). */
  readonly file?: string;
  /** Trailing KEY VALUE words. */
  readonly overrides?: readonly string[];
  /** Defaults to process.env; pass `{}` for a run that must not read the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to process.cwd(). */
  readonly cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  if (options.file === undefined) return buildConfig({ overrides: options.overrides, env });
  const text = readConfigFile(options.file, options.cwd ?? process.cwd());
  return buildConfig({ text, sourceName: options.file, overrides: options.overrides, env });
}

function readConfigFile(file: string, cwd: string): string {
  const abs = path.resolve(cwd, file);
  try {
    return fs.readFileSync(abs, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String((e as Error).message);
    throw new ConfigError(
      `cannot read config file ${file} (${abs}): ${why}. Check the --cfg path (relative paths start at the current directory).`,
      { source: file },
      { cause: e },
    );
  }
}
