/**
 * TLS between hosts: reading the PEM files named by SEGNAS.TLS_CERT / TLS_KEY (server) and
 * SEGNAS.TLS_CA / TLS_SERVERNAME (client) into node:tls options, checked up front so that a wrong
 * path or a key that does not match its certificate fails at start with the key's name, and
 * turning a client's certificate failures into one clear, permanent error (retrying cannot fix a
 * wrong CA). The HMAC handshake still runs inside the TLS stream: TLS keeps the traffic private
 * and proves the server; the shared secret proves the worker.
 */
import * as fs from "node:fs";
import * as tls from "node:tls";
import { SegnasError } from "@segnas/core";

/** Server side: PEM paths (SEGNAS.TLS_CERT, SEGNAS.TLS_KEY). */
export interface TlsServerFiles {
  readonly cert: string;
  readonly key: string;
}

/** Client side: PEM CA path (SEGNAS.TLS_CA) and the name to check (SEGNAS.TLS_SERVERNAME). */
export interface TlsClientFiles {
  readonly ca: string;
  readonly servername?: string;
}

/** What a client passes to `tls.connect` (besides host and port). */
export interface TlsClientOptions {
  readonly ca: Buffer;
  readonly servername?: string;
  /** For messages: where the CA came from. */
  readonly caFile: string;
}

function readPem(file: string, key: string, what: string): Buffer {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SegnasError(
      "SEGNAS_E_TLS",
      `cannot read ${key} ${file} (${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String((e as Error).message)}): ` +
        `set ${key} to the path of ${what}`,
      { key, file },
    );
  }
  if (!data.includes("-----BEGIN ")) {
    throw new SegnasError(
      "SEGNAS_E_TLS",
      `${key} ${file} is not a PEM file (no "-----BEGIN" line): give ${what} in PEM form`,
      { key, file },
    );
  }
  return data;
}

/**
 * The TLS part of a server's options (cert and key), or null when neither key is set. Usable for
 * `tls.createServer` and `https.createServer` alike.
 */
export function readTlsServerOptions(files: TlsServerFiles): { cert: Buffer; key: Buffer } | null {
  if (!files.cert && !files.key) return null;
  if (!files.cert || !files.key) {
    const missing = files.cert ? "SEGNAS.TLS_KEY" : "SEGNAS.TLS_CERT";
    throw new SegnasError(
      "SEGNAS_E_TLS",
      `TLS needs both SEGNAS.TLS_CERT and SEGNAS.TLS_KEY; ${missing} is not set (set it, or unset the other for plain TCP)`,
      { missing },
    );
  }
  const cert = readPem(files.cert, "SEGNAS.TLS_CERT", "the server's certificate (chain)");
  const key = readPem(files.key, "SEGNAS.TLS_KEY", "the private key of SEGNAS.TLS_CERT");
  try {
    tls.createSecureContext({ cert, key });
  } catch (e) {
    throw new SegnasError(
      "SEGNAS_E_TLS",
      `SEGNAS.TLS_CERT ${files.cert} and SEGNAS.TLS_KEY ${files.key} do not make a usable pair ` +
        `(${(e as Error).message}): the key must be the certificate's own private key, both in PEM`,
      { cert: files.cert, key: files.key },
    );
  }
  return { cert, key };
}

/** The TLS options of a client, or null when SEGNAS.TLS_CA is not set (plain TCP). */
export function readTlsClientOptions(files: TlsClientFiles): TlsClientOptions | null {
  if (!files.ca) {
    if (files.servername) {
      throw new SegnasError(
        "SEGNAS_E_TLS",
        `SEGNAS.TLS_SERVERNAME is set but SEGNAS.TLS_CA is not: set SEGNAS.TLS_CA to the CA that signed the server's certificate`,
        { key: "SEGNAS.TLS_CA" },
      );
    }
    return null;
  }
  const ca = readPem(files.ca, "SEGNAS.TLS_CA", "the CA certificate(s) that signed the server's certificate");
  try {
    tls.createSecureContext({ ca });
  } catch (e) {
    throw new SegnasError(
      "SEGNAS_E_TLS",
      `SEGNAS.TLS_CA ${files.ca} holds no usable CA certificate (${(e as Error).message})`,
      { key: "SEGNAS.TLS_CA", file: files.ca },
    );
  }
  return { ca, caFile: files.ca, ...(files.servername ? { servername: files.servername } : {}) };
}

/** OpenSSL's verification failures (node sets them as err.code). */
const VERIFY_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
]);

/**
 * A permanent TLS failure of a client connection as a SegnasError naming what to fix, or
 * undefined for errors that are not about TLS (refused, reset...: those are worth retrying).
 */
export function describeTlsClientError(
  err: NodeJS.ErrnoException,
  where: { host: string; port: number; tls: TlsClientOptions },
): SegnasError | undefined {
  const code = err.code ?? "";
  const at = `${where.host}:${where.port}`;
  const data = { host: where.host, port: where.port, tlsCode: code, caFile: where.tls.caFile };
  if (VERIFY_CODES.has(code)) {
    return new SegnasError(
      "SEGNAS_E_TLS",
      `the server at ${at} presented a certificate that SEGNAS.TLS_CA ${where.tls.caFile} does not vouch for ` +
        `(${code}: ${err.message}); set SEGNAS.TLS_CA to the CA that signed the server's SEGNAS.TLS_CERT`,
      data,
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new SegnasError(
      "SEGNAS_E_TLS",
      `the server at ${at} has a certificate for another name (${err.message}); connect by a name the certificate ` +
        `lists, or set SEGNAS.TLS_SERVERNAME to one of them`,
      data,
    );
  }
  if (code.startsWith("ERR_SSL_") || code === "EPROTO") {
    const plain = /wrong version number|packet length too long|unknown protocol/i.test(err.message);
    return new SegnasError(
      "SEGNAS_E_TLS",
      plain
        ? `${at} does not speak TLS (${err.message}): give the server SEGNAS.TLS_CERT and SEGNAS.TLS_KEY, ` +
            `or unset SEGNAS.TLS_CA on this side for plain TCP`
        : `TLS handshake with ${at} failed (${code}: ${err.message}); check SEGNAS.TLS_CA and the server's SEGNAS.TLS_CERT`,
      data,
    );
  }
  return undefined;
}
