/**
 * `segnas status`: asks a running controller how the search is going — progress, best so far,
 * each worker and its trial — and prints it (or the raw snapshot with --json).
 */
import * as os from "node:os";
import type { Argv, CommandModule } from "yargs";
import { SegnasError } from "@segnas/core";
import { MessageChannel, clientHandshake, type StatusSnapshot } from "@segnas/protocol";
import { connectWithRetry, parseAddress, SEGNAS_VERSION, tlsClientOptionsFromConfig } from "@segnas/worker";
import { loadConfig } from "@segnas/config";
import { formatTable } from "../format";
import { connectHostFor, readServerInfo, runDirOf } from "../nas/config";
import { cfgOption, jsonOption, overridesPositional, runDirOption } from "../options";

interface StatusArgs {
  address?: string;
  cfg?: string;
  "run-dir"?: string;
  secret?: string;
  json: boolean;
  overrides?: (string | number)[];
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

export function formatStatus(snap: StatusSnapshot): string {
  const lines: string[] = [];
  const st = snap.study;
  lines.push(`study     ${st.studyId} (${st.space}, strategy ${st.strategy})`);
  lines.push(
    `progress  ${snap.completed}/${st.searchSteps} rewards, ${snap.running} running, ${snap.queued} queued, ` +
      `${snap.failed} failed${snap.done ? " — search finished" : ""}; running for ${ago(snap.now - snap.startedAt)}`,
  );
  lines.push(
    snap.best
      ? `best      trial ${snap.best.trialId}, reward ${snap.best.reward.toFixed(4)}, tokens ${snap.best.tokens.join(",")}`
      : "best      (no reward yet)",
  );
  if (snap.workers.length === 0) lines.push("workers   none connected");
  else {
    lines.push(`workers   ${snap.workers.length} connected`);
    const rows: (string | number)[][] = [["worker", "device", "backend", "trial", "epoch", "mIoU", "seen"]];
    for (const w of snap.workers) {
      rows.push([
        w.workerId,
        w.capabilities.device,
        w.capabilities.backend,
        w.trialId ?? "idle",
        w.epoch ?? "-",
        w.metric === undefined ? "-" : w.metric.toFixed(4),
        `${ago(snap.now - w.lastSeenAt)} ago`,
      ]);
    }
    lines.push(formatTable(rows, "  ", 3));
  }
  return lines.join("\n");
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: "status [overrides..]",
  describe: "Show a running search: progress, best so far, each worker and its trial",
  builder: (y: Argv) =>
    y
      .positional("overrides", overridesPositional())
      .option("address", { type: "string", describe: "server host:port" })
      .option("cfg", cfgOption("config file: SLIM.NAS_ADDRESS / SLIM.NAS_PORT / SEGNAS.SECRET"))
      .option("run-dir", runDirOption("run directory of a server on this host (reads its server.json)"))
      .option("secret", { type: "string", describe: "shared secret (default SEGNAS.SECRET / SEGNAS_SECRET)" })
      .option("json", jsonOption("print the raw snapshot as JSON"))
      .example(
        "$0 status --address 127.0.0.1:23333",
        "progress of a local server",
      ) as unknown as Argv<StatusArgs>,
  handler: async (args) => {
    const cfg = loadConfig({
      file: args.cfg,
      overrides: (args.overrides ?? []).map(String),
      env: process.env,
    }).config;
    // --address; else SLIM.NAS_ADDRESS:SLIM.NAS_PORT when set; else the run directory's server.json;
    // else this host at SLIM.NAS_PORT.
    let address: { host: string; port: number };
    if (args.address) address = parseAddress(args.address);
    else if (cfg.SLIM.NAS_ADDRESS && !args["run-dir"])
      address = { host: cfg.SLIM.NAS_ADDRESS, port: cfg.SLIM.NAS_PORT };
    else {
      const info = readServerInfo(runDirOf(cfg, args["run-dir"]));
      if (info) address = { host: connectHostFor(info.host), port: info.port };
      else if (args["run-dir"]) {
        throw new SegnasError(
          "SEGNAS_E_BAD_ARGUMENT",
          `no server.json in ${args["run-dir"]}: is a server running there? Pass --address host:port instead`,
        );
      } else address = { host: "127.0.0.1", port: cfg.SLIM.NAS_PORT };
    }
    const secret = args.secret ?? (cfg.SEGNAS.SECRET || undefined);
    const tls = tlsClientOptionsFromConfig(cfg);
    const socket = await connectWithRetry({
      host: address.host,
      port: address.port,
      retrySeconds: 2,
      ...(tls ? { tls } : {}),
    }).catch((e: unknown) => {
      if (e instanceof SegnasError && e.code === "SEGNAS_E_TLS") throw e;
      const lastError = e instanceof SegnasError ? String(e.data.lastError ?? e.message) : String(e);
      throw new SegnasError(
        "SEGNAS_E_CONNECT",
        `no segnas server answers at ${address.host}:${address.port} (${lastError}). ` +
          `A finished search's server has exited: its results are in its run directory ` +
          `(trials.csv, best.json, best-model/). Otherwise check --address, SLIM.NAS_ADDRESS and SLIM.NAS_PORT`,
        { host: address.host, port: address.port, lastError },
      );
    });
    const channel = new MessageChannel(socket, { requestTimeoutMs: 10_000 });
    try {
      await clientHandshake(channel, {
        workerId: `status:${os.hostname()}:${process.pid}`,
        capabilities: {
          backend: "none",
          device: "status client",
          hostname: os.hostname(),
          pid: process.pid,
          segnasVersion: SEGNAS_VERSION,
        },
        ...(secret ? { secret } : {}),
      });
      const reply = await channel.request({ type: "status" });
      process.stdout.write(
        args.json ? `${JSON.stringify(reply.snapshot, null, 2)}\n` : `${formatStatus(reply.snapshot)}\n`,
      );
    } finally {
      await channel.close("status done").catch(() => undefined);
    }
  },
};
