/**
 * Reaching the server: TCP (or TLS) connect with exponential backoff (with jitter, so a fleet of
 * workers does not stampede a restarting server) for up to SEGNAS.CONNECT_RETRY_SECONDS, then a
 * ConnectError that says what was tried and what to check. A certificate the CA does not vouch
 * for is not retried: it fails at once with a TlsError naming SEGNAS.TLS_CA.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { SegnasError } from "@segnas/core";
import { describeTlsClientError, type TlsClientOptions } from "@segnas/protocol";
import type { Logger } from "pino";

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Give up after this long without success. */
  readonly retrySeconds: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** First and largest delay between attempts (default RETRY_FIRST_MS, RETRY_MAX_MS). */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Connect over TLS, verifying the server with this CA (SEGNAS.TLS_CA). */
  readonly tls?: TlsClientOptions | null;
}

function connectOnce(host: string, port: number, secure?: TlsClientOptions | null): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({
          host,
          port,
          ca: secure.ca,
          // An IP address is no SNI name: node then checks the certificate against `host` itself.
          ...(secure.servername ? { servername: secure.servername } : {}),
        })
      : net.connect({ host, port, noDelay: true });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once("error", onError);
    socket.once(secure ? "secureConnect" : "connect", () => {
      socket.off("error", onError);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    });
  });
}

/** Backoff between attempts to reach a server: the first delay, doubling up to the largest. */
export const RETRY_FIRST_MS = 100;
export const RETRY_MAX_MS = 5000;

export async function connectWithRetry(opts: ConnectOptions): Promise<net.Socket> {
  const started = performance.now();
  let delay = opts.minDelayMs ?? RETRY_FIRST_MS;
  const maxDelay = opts.maxDelayMs ?? RETRY_MAX_MS;
  let attempts = 0;
  let warned = false;
  for (;;) {
    if (opts.signal?.aborted) throw new SegnasError("SEGNAS_E_CONNECT", "connecting was cancelled");
    attempts++;
    try {
      return await connectOnce(opts.host, opts.port, opts.tls);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const tlsError = opts.tls
        ? describeTlsClientError(err, { host: opts.host, port: opts.port, tls: opts.tls })
        : undefined;
      if (tlsError) throw tlsError;
      const elapsed = performance.now() - started;
      if (elapsed >= opts.retrySeconds * 1000) {
        throw new SegnasError(
          "SEGNAS_E_CONNECT",
          `could not reach the server at ${opts.host}:${opts.port} for ${Math.round(elapsed / 1000)} s ` +
            `(${attempts} attempts, last error: ${err.code ?? err.message}); start the server first, check ` +
            `SLIM.NAS_ADDRESS and SLIM.NAS_PORT (or --address host:port), or wait longer with SEGNAS.CONNECT_RETRY_SECONDS`,
          { host: opts.host, port: opts.port, attempts, lastError: err.code ?? err.message },
        );
      }
      if (!warned) {
        warned = true;
        opts.logger?.warn(
          { host: opts.host, port: opts.port, error: err.code ?? err.message },
          `server ${opts.host}:${opts.port} not reachable yet; retrying for up to ${opts.retrySeconds} s`,
        );
      }
      await pause(Math.min(jittered(delay), opts.retrySeconds * 1000 - elapsed), opts.signal);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

/** `ms` scaled by a random factor in [0.5, 1): a fleet of workers spreads its retries. */
export function jittered(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

/** Waits `ms` (at least 0), or less when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    // The listener goes when the pause ends either way: a retry loop of many pauses on one
    // long-lived signal must not pile up listeners (MaxListenersExceededWarning).
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
