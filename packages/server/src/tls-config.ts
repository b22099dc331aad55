/**
 * The TLS options of a segnas server from its config (SEGNAS.TLS_CERT, SEGNAS.TLS_KEY), for
 * `tls.createServer` (the controller) and `https.createServer` (a dashboard) alike: null when
 * neither key is set, a SegnasError (SEGNAS_E_TLS) naming the key when a file is missing or the
 * pair does not match.
 */
import type { SegConfig } from "@segnas/config";
import { readTlsServerOptions } from "@segnas/protocol";

export function tlsServerOptionsFromConfig(config: SegConfig): { cert: Buffer; key: Buffer } | null {
  return readTlsServerOptions({ cert: config.SEGNAS.TLS_CERT, key: config.SEGNAS.TLS_KEY });
}
