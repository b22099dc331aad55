/**
 * A structural pass over a msgpack body before msgpackr sees it. It admits only plain data:
 * nil, booleans, numbers, strings, arrays and maps with string keys, nested at most `maxDepth`
 * deep, filling the body exactly. Extension types (msgpackr's records, structured clones,
 * Error/RegExp/Set/typed-array constructors, dates), binary blobs and the reserved 0xc1 byte
 * are refused, so decoding can never build anything but plain objects from untrusted input.
 * Counts are checked against the bytes left, so a hostile header cannot make us allocate.
 */
import { BadMessageError } from "./errors";

export function scanMsgpack(buf: Uint8Array, maxDepth: number): void {
  const end = scanValue(buf, 0, maxDepth, false);
  if (end !== buf.length)
    throw new BadMessageError(`frame body has ${buf.length - end} trailing bytes after the message`);
}

function fail(what: string, pos: number): never {
  throw new BadMessageError(`frame body is not plain msgpack data: ${what} at byte ${pos}`);
}

function need(buf: Uint8Array, pos: number, n: number): void {
  if (pos + n > buf.length) fail("value runs past the end of the frame", pos);
}

function readLen(buf: Uint8Array, pos: number, bytes: 1 | 2 | 4): number {
  need(buf, pos, bytes);
  if (bytes === 1) return buf[pos];
  if (bytes === 2) return (buf[pos] << 8) | buf[pos + 1];
  return buf[pos] * 0x1000000 + ((buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]);
}

/** Returns the position after the value starting at `pos`. */
function scanValue(buf: Uint8Array, pos: number, depth: number, asKey: boolean): number {
  need(buf, pos, 1);
  const t = buf[pos];
  const start = pos;
  pos++;
  // strings first: they are the only thing a map key may be
  let strLen = -1;
  if (t >= 0xa0 && t <= 0xbf) strLen = t & 0x1f;
  else if (t >= 0xd9 && t <= 0xdb) {
    const bytes = t === 0xd9 ? 1 : t === 0xda ? 2 : 4;
    strLen = readLen(buf, pos, bytes);
    pos += bytes;
  }
  if (strLen >= 0) {
    need(buf, pos, strLen);
    return pos + strLen;
  }
  if (asKey) fail(`map key of type 0x${t.toString(16)} (only string keys are allowed)`, start);
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return pos;
  let count = -1;
  let isMap = false;
  switch (t) {
    case 0xcc:
    case 0xd0:
      need(buf, pos, 1);
      return pos + 1;
    case 0xcd:
    case 0xd1:
      need(buf, pos, 2);
      return pos + 2;
    case 0xca:
    case 0xce:
    case 0xd2:
      need(buf, pos, 4);
      return pos + 4;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      need(buf, pos, 8);
      return pos + 8;
    case 0xdc:
      count = readLen(buf, pos, 2);
      pos += 2;
      break;
    case 0xdd:
      count = readLen(buf, pos, 4);
      pos += 4;
      break;
    case 0xde:
      count = readLen(buf, pos, 2);
      pos += 2;
      isMap = true;
      break;
    case 0xdf:
      count = readLen(buf, pos, 4);
      pos += 4;
      isMap = true;
      break;
    default:
      if (t >= 0x80 && t <= 0x8f) {
        count = t & 0x0f;
        isMap = true;
      } else if (t >= 0x90 && t <= 0x9f) count = t & 0x0f;
  }
  if (count < 0) {
    const kind =
      t === 0xc1
        ? "reserved byte 0xc1"
        : t >= 0xc4 && t <= 0xc6
          ? "binary data"
          : `extension type 0x${t.toString(16)}`;
    fail(`${kind} (only plain data is allowed)`, start);
  }
  if (depth <= 0) fail("nesting deeper than allowed", start);
  // every element takes at least one byte: refuse counts the frame cannot hold
  if (count * (isMap ? 2 : 1) > buf.length - pos) fail(`${isMap ? "map" : "array"} of ${count} items`, start);
  for (let i = 0; i < count; i++) {
    if (isMap) pos = scanValue(buf, pos, depth - 1, true);
    pos = scanValue(buf, pos, depth - 1, false);
  }
  return pos;
}
