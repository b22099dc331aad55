/**
 * Config loading and run-directory rules shared by train / server / worker / status / demo.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkSupported,
  describeIgnoredKeys,
  loadConfig,
  resolveSaveDir,
  type SegConfig,
} from "@segnas/config";
import type { Logger } from "pino";

export interface NasConfigArgs {
  cfg?: string;
  overrides?: (string | number)[];
  "run-dir"?: string;
}

export interface NasConfig {
  readonly cfg: SegConfig;
  readonly file?: string;
  readonly overrides: string[];
}

/** Loads --cfg + trailing KEY VALUE pairs; logs ignored keys and warnings once. */
export function loadNasConfig(
  args: NasConfigArgs,
  logger: Logger,
  options: { check?: boolean } = {},
): NasConfig {
  const overrides = (args.overrides ?? []).map(String);
  const loaded = loadConfig({ file: args.cfg, overrides, env: process.env });
  if (options.check !== false) checkSupported(loaded);
  const ignored = describeIgnoredKeys(loaded.ignoredKeys);
  if (ignored) logger.debug(ignored);
  for (const w of loaded.warnings) logger.warn(w);
  return { cfg: loaded.config, ...(args.cfg ? { file: path.resolve(args.cfg) } : {}), overrides };
}

/** --run-dir, else TRAIN.MODEL_SAVE_DIR, else ./runs/nas. */
export function runDirOf(cfg: SegConfig, flag?: string): string {
  if (flag) return path.resolve(flag);
  return resolveSaveDir(cfg) ?? path.resolve("runs", "nas");
}

/** Written by a listening server so `segnas status --run-dir` (and scripts) can find it. */
export interface ServerInfo {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly startedAt: string;
}

export const SERVER_INFO_FILE = "server.json";

export function writeServerInfo(runDir: string, info: ServerInfo): void {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, SERVER_INFO_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Removes server.json if it is still the one process `pid` wrote. */
export function removeServerInfo(runDir: string, pid: number): void {
  if (readServerInfo(runDir)?.pid === pid) fs.rmSync(path.join(runDir, SERVER_INFO_FILE), { force: true });
}

export function readServerInfo(runDir: string): ServerInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, SERVER_INFO_FILE), "utf8")) as ServerInfo;
  } catch {
    return null;
  }
}

/** The address a worker on this host uses to reach a server bound to `host`. */
export function connectHostFor(boundHost: string): string {
  // A wildcard bind ("::" is dual-stack) is reachable on the IPv4 loopback.
  if (boundHost === "" || boundHost === "0.0.0.0" || boundHost === "::") return "127.0.0.1";
  return boundHost;
}

/** A path relative to the current directory when it is inside it, else as given. */
export function displayPath(p: string): string {
  if (!path.isAbsolute(p)) return p;
  const r = path.relative(process.cwd(), p);
  return r.startsWith("..") || path.isAbsolute(r) ? p : r || ".";
}
