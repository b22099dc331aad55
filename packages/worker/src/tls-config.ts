/**
 * A worker's (or `segnas status`'s) TLS options from its config: SEGNAS.TLS_CA set means
 * "connect over TLS and verify the server with this CA", SEGNAS.TLS_SERVERNAME the name its
 * certificate must carry when it is not the address dialled. null = plain TCP.
 */
import type { SegConfig } from "@segnas/config";
import { readTlsClientOptions, type TlsClientOptions } from "@segnas/protocol";

export function tlsClientOptionsFromConfig(config: SegConfig): TlsClientOptions | null {
  return readTlsClientOptions({ ca: config.SEGNAS.TLS_CA, servername: config.SEGNAS.TLS_SERVERNAME });
}
