import { ERROR_CODES, isErrorCode, type ErrorCode } from "./error-codes";
import * as core from "./index";
import { ERROR_CLASSES, errorForCode } from "./error-classes";
import { SegnasError } from "./errors";

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe("error classes", () => {
  it("every catalogue code has exactly one class, and every class one code", () => {
    expect(Object.keys(ERROR_CLASSES).sort()).toEqual([...codes].sort());
    const classes = codes.map((c) => ERROR_CLASSES[c]);
    expect(new Set(classes).size).toBe(codes.length);
  });

  it.each(codes)(
    "%s: its class fixes the code, the exit status and the name, and core exports it",
    (code) => {
      const Cls = ERROR_CLASSES[code];
      const e = new Cls("message", { x: 1 }, { cause: "why" });
      expect(e).toBeInstanceOf(SegnasError);
      expect(e.code).toBe(code);
      expect(e.exitCode).toBe(ERROR_CODES[code].exitCode);
      expect(e.name).toBe(ERROR_CODES[code].name);
      expect(Cls.name).toBe(ERROR_CODES[code].name);
      expect(e.data).toEqual({ x: 1 });
      expect(e.cause).toBe("why");
      expect((core as Record<string, unknown>)[ERROR_CODES[code].name]).toBe(Cls);
      expect(errorForCode(code, "m")).toBeInstanceOf(Cls);
    },
  );

  it("no exported SegnasError subclass in core lacks a catalogue code", () => {
    const exported = Object.entries(core).filter(
      ([, v]) => typeof v === "function" && v.prototype instanceof SegnasError,
    );
    const names = new Set(codes.map((c) => ERROR_CODES[c].name as string));
    for (const [name] of exported) expect(names.has(name)).toBe(true);
    expect(isErrorCode("SEGNAS_E_NOPE")).toBe(false);
  });
});
