/**
 * Python literals as PaddleSeg reads them: every string value (from the YAML file or a command
 * line override) goes through `ast.literal_eval`, and stays the raw string when that fails. This
 * is a small recursive-descent parser for the same subset: None/True/False, ints (decimal, 0x,
 * 0o, 0b, underscores), floats, signs, strings with any r/u/b prefix, triple quotes, escapes
 * and implicit concatenation, tuples (also bare: `769, 769`), lists, dicts and sets.
 * Tuples and sets become arrays; complex numbers and anything else are "not a literal".
 */

export type PyValue =
  null | boolean | number | string | readonly PyValue[] | { readonly [key: string]: PyValue };

export type PyParseResult =
  { readonly ok: true; readonly value: PyValue } | { readonly ok: false; readonly reason: string };

class NotLiteral extends Error {}

/** Parses `text` as a Python literal; `{ ok: false, reason }` when it is not one. */
export function tryParsePythonLiteral(text: string): PyParseResult {
  try {
    return { ok: true, value: new Parser(text).parseTop() };
  } catch (e) {
    if (e instanceof NotLiteral) return { ok: false, reason: e.message };
    throw e;
  }
}

/**
 * PaddleSeg's rule: the value of `literal_eval(text)`, or `text` itself when it is not a literal
 * (`MobileNetV2SpaceSeg` -> "MobileNetV2SpaceSeg", `""` -> "", an empty argument -> "").
 */
export function parsePythonLiteral(text: string): PyValue {
  const r = tryParsePythonLiteral(text);
  return r.ok ? r.value : text;
}

const DIGITS = "[0-9](?:_?[0-9])*";
const EXP = `[eE][+-]?${DIGITS}`;
const NUMBER_RE = new RegExp(
  "^(?:" +
    [
      `0[xX](?:_?[0-9a-fA-F])+`,
      `0[oO](?:_?[0-7])+`,
      `0[bB](?:_?[01])+`,
      `${DIGITS}\\.(?:${DIGITS})?(?:${EXP})?`,
      `\\.${DIGITS}(?:${EXP})?`,
      `${DIGITS}${EXP}`,
      // Python 3 rejects leading zeros in ints ("007"), not in floats ("007.5").
      `(?:[1-9](?:_?[0-9])*|0(?:_?0)*)`,
    ].join("|") +
    ")",
);
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*/;
const STRING_PREFIX_RE = /^(?:[rR][bB]?|[bB][rR]?|[uU])?(?='|")/;

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseTop(): PyValue {
    // Python 3.9+ strips leading spaces and tabs before parsing.
    this.skipSpace();
    if (this.pos >= this.s.length) throw new NotLiteral("empty text");
    const first = this.parseExpr();
    this.skipSpace();
    if (this.peek() !== ",") {
      this.expectEnd();
      return first;
    }
    // A bare tuple: `769, 769` or `1,`.
    const items = [first];
    while (this.peek() === ",") {
      this.pos++;
      this.skipSpace();
      if (this.pos >= this.s.length) break;
      items.push(this.parseExpr());
      this.skipSpace();
    }
    this.expectEnd();
    return items;
  }

  private expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.s.length)
      throw new NotLiteral(`unexpected ${JSON.stringify(this.s.slice(this.pos, this.pos + 10))}`);
  }

  private peek(): string {
    return this.s[this.pos] ?? "";
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") this.pos++;
      else if (c === "\\" && (this.s[this.pos + 1] === "\n" || this.s[this.pos + 1] === "\r")) this.pos += 2;
      else if (c === "#") while (this.pos < this.s.length && this.peek() !== "\n") this.pos++;
      else return;
    }
  }

  /** `signed`: already under a sign, where Python allows only a plain number (`--2` is rejected). */
  private parseExpr(signed = false): PyValue {
    this.skipSpace();
    const c = this.peek();
    if (c === "+" || c === "-") {
      if (signed) throw new NotLiteral("a sign may only precede a number");
      this.pos++;
      const v = this.parseExpr(true);
      if (typeof v !== "number") throw new NotLiteral(`a sign may only precede a number`);
      return c === "-" ? -v : v;
    }
    if (c === "(") return this.parseParen(signed);
    if (c === "[") return this.parseSeq("]");
    if (c === "{") return this.parseBrace();
    const rest = this.s.slice(this.pos);
    if (STRING_PREFIX_RE.test(rest)) return this.parseStrings();
    const num = NUMBER_RE.exec(rest);
    if (num) {
      this.pos += num[0].length;
      if (/^[A-Za-z0-9_.]/.test(this.s.slice(this.pos))) {
        throw new NotLiteral(`not a number: ${JSON.stringify(rest.slice(0, num[0].length + 1))}`);
      }
      return Number(num[0].replace(/_/g, ""));
    }
    const id = IDENT_RE.exec(rest);
    if (id) {
      this.pos += id[0].length;
      if (id[0] === "True") return true;
      if (id[0] === "False") return false;
      if (id[0] === "None") return null;
      throw new NotLiteral(`a name (${id[0]}) is not a literal`);
    }
    throw new NotLiteral(c === "" ? "unexpected end" : `unexpected ${JSON.stringify(c)}`);
  }

  private parseParen(signed: boolean): PyValue {
    this.pos++; // (
    this.skipSpace();
    if (this.peek() === ")") {
      this.pos++;
      return [];
    }
    const first = this.parseExpr(signed);
    this.skipSpace();
    if (this.peek() === ")") {
      this.pos++;
      return first; // (x) is just x
    }
    if (this.peek() !== ",") throw new NotLiteral(`expected "," or ")"`);
    const items: PyValue[] = [first];
    this.pos++;
    this.collectItems(")", items);
    return items;
  }

  private parseSeq(close: string): PyValue[] {
    this.pos++; // [
    const items: PyValue[] = [];
    this.collectItems(close, items);
    return items;
  }

  /** Items separated by commas up to `close` (a trailing comma is allowed). */
  private collectItems(close: string, items: PyValue[]): void {
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) {
        this.pos++;
        return;
      }
      items.push(this.parseExpr());
      this.skipSpace();
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== close) throw new NotLiteral(`expected "," or "${close}"`);
    }
  }

  private parseBrace(): PyValue {
    this.pos++; // {
    this.skipSpace();
    if (this.peek() === "}") {
      this.pos++;
      return {};
    }
    const first = this.parseExpr();
    this.skipSpace();
    if (this.peek() !== ":") {
      // A set; its order is not meaningful, an array is the closest JS value.
      const items: PyValue[] = [first];
      if (this.peek() === ",") this.pos++;
      this.collectItems("}", items);
      return items;
    }
    const out: Record<string, PyValue> = {};
    let key = first;
    for (;;) {
      this.pos++; // :
      out[dictKey(key)] = this.parseExpr();
      this.skipSpace();
      if (this.peek() === ",") {
        this.pos++;
        this.skipSpace();
      }
      if (this.peek() === "}") {
        this.pos++;
        return out;
      }
      key = this.parseExpr();
      this.skipSpace();
      if (this.peek() !== ":") throw new NotLiteral(`expected ":" in a dict`);
    }
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private parseStrings(): string {
    let out = "";
    let any = false;
    for (;;) {
      this.skipSpace();
      const prefix = STRING_PREFIX_RE.exec(this.s.slice(this.pos));
      if (!prefix) {
        if (!any) throw new NotLiteral("expected a string");
        return out;
      }
      this.pos += prefix[0].length;
      out += this.parseOneString(/[rR]/.test(prefix[0]), /[bB]/.test(prefix[0]));
      any = true;
    }
  }

  private parseOneString(raw: boolean, bytes: boolean): string {
    const q = this.peek();
    const triple = this.s.startsWith(q.repeat(3), this.pos);
    const end = triple ? q.repeat(3) : q;
    this.pos += end.length;
    let out = "";
    for (;;) {
      if (this.pos >= this.s.length) throw new NotLiteral("unterminated string");
      if (this.s.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const c = this.s[this.pos];
      if ((c === "\n" || c === "\r") && !triple) throw new NotLiteral("newline inside a string");
      if (c !== "\\") {
        out += c;
        this.pos++;
        continue;
      }
      const n = this.s[this.pos + 1] ?? "";
      if (raw) {
        // In raw strings a backslash only stops the next char from ending the string.
        out += c + n;
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      out += this.escape(n, bytes);
    }
  }

  private escape(n: string, bytes: boolean): string {
    const simple: Record<string, string> = {
      "\\": "\\",
      "'": "'",
      '"': '"',
      a: "\x07",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
      "\n": "",
    };
    if (n in simple) return simple[n];
    if (n === "\r") {
      if (this.peek() === "\n") this.pos++;
      return "";
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{0,2}/.exec(this.s.slice(this.pos))![0];
      this.pos += m.length;
      return String.fromCodePoint(parseInt(n + m, 8));
    }
    const hexLen = n === "x" ? 2 : !bytes && n === "u" ? 4 : !bytes && n === "U" ? 8 : 0;
    if (hexLen > 0) {
      const h = this.s.slice(this.pos, this.pos + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) throw new NotLiteral(`bad \\${n} escape`);
      this.pos += hexLen;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) throw new NotLiteral(`bad \\${n} escape`);
      return String.fromCodePoint(cp);
    }
    if (n === "N" && !bytes) throw new NotLiteral("\\N{...} escapes are not supported");
    return "\\" + n; // Python keeps unknown escapes as they are
  }
}

function dictKey(k: PyValue): string {
  if (typeof k === "string") return k;
  if (k === null || typeof k === "boolean" || typeof k === "number") return formatPythonLiteral(k);
  throw new NotLiteral("dict keys must be strings, numbers, booleans or None");
}

/**
 * Writes a value back as Python source that `parsePythonLiteral` reads to the same value
 * (None, True/False, repr-style strings, lists; `tuple: true` writes the outer list as a tuple).
 */
export function formatPythonLiteral(v: PyValue, options: { tuple?: boolean; float?: boolean } = {}): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return formatNumber(v, options.float === true);
  if (typeof v === "string") return pythonRepr(v);
  if (Array.isArray(v)) {
    const inner = v.map((x) => formatPythonLiteral(x as PyValue, { float: options.float }));
    if (!options.tuple) return `[${inner.join(", ")}]`;
    return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(", ")})`;
  }
  const obj = v as { readonly [key: string]: PyValue };
  return `{${Object.keys(obj)
    .map((k) => `${pythonRepr(k)}: ${formatPythonLiteral(obj[k])}`)
    .join(", ")}}`;
}

function formatNumber(n: number, float: boolean): string {
  if (!Number.isFinite(n)) throw new RangeError(`${n} has no Python literal`);
  const s = String(n);
  // 1e21 and 1e-7 are fine as they are; a float that prints as an int gets ".0" (Python's repr).
  return float && /^-?\d+$/.test(s) ? s + ".0" : s;
}

/** Python's repr of a str: single quotes unless the text contains one and no double quote. */
function pythonRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === q) out += "\\" + q;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + q;
}
