/**
 * Binding the controller's port. A busy port is retried with backoff for a while (a previous
 * server may still be shutting down), then fails with a message that names the port, who holds
 * it and how to pick another. Node sets SO_REUSEADDR on listening sockets (Linux), so a restart
 * right after a stop does not trip over connections in TIME_WAIT.
 */
import type * as net from "node:net";
import { SegnasError } from "@segnas/core";
import type { Logger } from "pino";
import { describePortHolder, findPortHolder } from "./port-holder";

export interface ListenOptions {
  /** "" or undefined = all interfaces. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Keep retrying a busy port this long (SEGNAS.PORT_RETRY_SECONDS). */
  readonly retrySeconds: number;
  readonly logger?: Logger;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tryListen(server: net.Server, host: string | undefined, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ port, ...(host ? { host } : {}), exclusive: true });
  });
}

/** Refuses a port number no socket can have, naming where it came from (`what`, e.g. "--port"). */
export function checkPort(port: number, what: string): void {
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new SegnasError(
      "SEGNAS_E_BAD_ARGUMENT",
      `${what} must be an integer from 0 to 65535 (0 picks a free port), got ${Number.isNaN(port) ? "something that is not a number" : String(port)}`,
      { port: String(port) },
    );
}

export async function listenWithRetry(server: net.Server, opts: ListenOptions): Promise<BoundAddress> {
  checkPort(opts.port, "the port");
  const host = opts.host === "" ? undefined : opts.host;
  const sleep = opts.sleep ?? defaultSleep;
  const started = performance.now();
  let delay = 100;
  let warned = false;
  for (;;) {
    try {
      await tryListen(server, host, opts.port);
      const a = server.address() as net.AddressInfo;
      return { host: a.address, port: a.port };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const where = `${host ?? "all interfaces"} port ${opts.port}`;
      if (err.code === "EADDRINUSE") {
        const elapsed = (performance.now() - started) / 1000;
        if (elapsed >= opts.retrySeconds) {
          const holder = findPortHolder(opts.port);
          throw new SegnasError(
            "SEGNAS_E_PORT_BUSY",
            `port ${opts.port} (${host ?? "all interfaces"}) is in use, ${describePortHolder(holder)}; ` +
              `waited ${Math.round(elapsed)} s (SEGNAS.PORT_RETRY_SECONDS ${opts.retrySeconds}). ` +
              `Stop that process, or choose another port with SLIM.NAS_PORT <port> (SLIM.NAS_PORT 0 picks a free one) ` +
              `and point the workers at it.`,
            {
              port: opts.port,
              host: host ?? "",
              ...(holder?.pid !== undefined ? { pid: holder.pid } : {}),
              ...(holder?.command ? { command: holder.command } : {}),
            },
          );
        }
        if (!warned) {
          warned = true;
          opts.logger?.warn(
            { port: opts.port },
            `${where} is busy (${describePortHolder(findPortHolder(opts.port))}); retrying for up to ${opts.retrySeconds} s`,
          );
        }
        await sleep(
          Math.min(delay, Math.max(0, opts.retrySeconds * 1000 - (performance.now() - started)) + 10),
        );
        delay = Math.min(delay * 2, 2000);
        continue;
      }
      if (err.code === "EACCES") {
        throw new SegnasError(
          "SEGNAS_E_PORT_BUSY",
          `not allowed to listen on ${where} (ports below 1024 need privileges); choose another with SLIM.NAS_PORT <port>`,
          { port: opts.port, host: host ?? "" },
        );
      }
      if (err.code === "EADDRNOTAVAIL") {
        throw new SegnasError(
          "SEGNAS_E_BAD_ARGUMENT",
          `cannot listen on ${where}: no interface of this machine has that address; set SLIM.NAS_ADDRESS to one of its addresses or "" for all`,
          { port: opts.port, host: host ?? "" },
        );
      }
      throw err;
    }
  }
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string | undefined): boolean {
  if (!host) return false;
  return host === "localhost" || host === "::1" || /^127\./.test(host) || host === "::ffff:127.0.0.1";
}
