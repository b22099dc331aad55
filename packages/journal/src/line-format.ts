/**
 * One journal line: the JSON object `{"seq":N,"event":...}` with `,"crc":"xxxxxxxx"` spliced in
 * before its closing brace, where the CRC-32 covers the object as written without it. Lines stay
 * valid JSON (jq works) and any damaged byte is detected. The header is line 1, with seq 0 and
 * `header` in place of `event`.
 */
import { crc32Hex } from "./crc32";

const CRC_SUFFIX_LENGTH = ',"crc":"00000000"}'.length;

/** Serialises one record as a line including its trailing newline. */
export function encodeLine(seq: number, key: "event" | "header", value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`value of type ${typeof value} is not JSON`);
  const body = `{"seq":${seq},"${key}":${json}}`;
  return `${body.slice(0, -1)},"crc":"${crc32Hex(body)}"}\n`;
}

export type DecodedLine = { ok: true; seq: number; value: unknown } | { ok: false; reason: string };

/** Checks and parses one line (without its newline). */
export function decodeLine(line: string, key: "event" | "header"): DecodedLine {
  if (line.length < CRC_SUFFIX_LENGTH + 2) return { ok: false, reason: "line too short" };
  const suffix = line.slice(-CRC_SUFFIX_LENGTH);
  const m = /^,"crc":"([0-9a-f]{8})"\}$/.exec(suffix);
  if (!m) return { ok: false, reason: "no checksum at the end of the line" };
  const body = `${line.slice(0, -CRC_SUFFIX_LENGTH)}}`;
  if (crc32Hex(body) !== m[1]) return { ok: false, reason: "checksum mismatch" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const rec = parsed as Record<string, unknown>;
  if (typeof rec !== "object" || rec === null || !Number.isSafeInteger(rec.seq) || !(key in rec))
    return { ok: false, reason: `not a journal ${key} line` };
  return { ok: true, seq: rec.seq as number, value: rec[key] };
}
