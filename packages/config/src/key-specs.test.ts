import * as fs from "fs";
import * as path from "path";
import { buildConfig } from "./build-config";
import { coerceValue } from "./coerce";
import { KEY_SPECS } from "./key-specs";
import { parsePythonLiteral } from "./python-literal";
import { hasSharedFile } from "./testing/shared-data";

const ROOT = path.resolve(__dirname, "../../..");
const SPEC = path.resolve(ROOT, "../shared/spec/SPEC.md");

describe("the key table", () => {
  test("every default fits its own type", () => {
    for (const s of KEY_SPECS)
      expect({ key: s.key, ok: coerceValue(s.type, s.default).ok }).toEqual({ key: s.key, ok: true });
  });

  test("keys are unique and the loaded config has exactly these leaves", () => {
    const keys = KEY_SPECS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    const loaded = buildConfig({});
    for (const k of keys)
      expect(loaded.get(k)).toEqual(
        k === "DATASET.PADDING_VALUE" ? [127.5, 127.5, 127.5] : KEY_SPECS.find((s) => s.key === k)!.default,
      );
  });

  test("SEGNAS.* keys are exactly the segnas extensions", () => {
    for (const s of KEY_SPECS) expect(s.key.startsWith("SEGNAS.")).toBe(s.segnas === true);
  });

  (hasSharedFile(SPEC) ? test : test.skip)("matches SPEC §4's full PaddleSeg key set and defaults", () => {
    const text = fs.readFileSync(SPEC, "utf8");
    const block = text.slice(text.indexOf("### The full PaddleSeg 0.x key set"));
    const body = block.slice(block.indexOf("```") + 3, block.indexOf("```", block.indexOf("```") + 3));
    const fromSpec = new Map<string, unknown>();
    for (const line of body.split("\n")) {
      const m = /^([A-Z0-9_.]+) = (.*)$/.exec(line.trim());
      if (m) fromSpec.set(m[1], m[2].trim() === "tuple()" ? [] : parsePythonLiteral(m[2].trim()));
    }
    expect(fromSpec.size).toBeGreaterThan(100);
    const ours = new Map(KEY_SPECS.filter((s) => !s.segnas).map((s) => [s.key, s.default]));
    expect([...ours.keys()].sort()).toEqual([...fromSpec.keys()].sort());
    for (const [k, v] of fromSpec) expect({ k, v: ours.get(k) }).toEqual({ k, v });
  });

  test("docs/config.md documents every key segnas acts on", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/config.md"), "utf8");
    const missing = KEY_SPECS.filter((s) => s.ignored === undefined && !doc.includes(`\`${s.key}\``)).map(
      (s) => s.key,
    );
    expect(missing).toEqual([]);
  });
});
