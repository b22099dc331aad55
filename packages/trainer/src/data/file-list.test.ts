import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFileList, readFileList } from "./file-list";
import { DataError } from "./errors";

describe("parseFileList", () => {
  it("parses pairs, skips blank lines and keeps 1-based line numbers", () => {
    const text = "\uFEFFa.png b.png\r\n\n   \nimg/c.jpg   lbl/c.png\n";
    expect(parseFileList(text, "train.list")).toEqual([
      { image: "a.png", label: "b.png", line: 1 },
      { image: "img/c.jpg", label: "lbl/c.png", line: 4 },
    ]);
  });

  it("honours a custom separator", () => {
    expect(parseFileList("my img.png|my lbl.png\n", "l", "|")).toEqual([
      { image: "my img.png", label: "my lbl.png", line: 1 },
    ]);
  });

  it("names the list and line of a malformed line", () => {
    const err = (() => {
      try {
        parseFileList("a.png b.png\nonly-one.png\n", "/data/train.list");
      } catch (e) {
        return e;
      }
    })() as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.code).toBe("SEGNAS_E_DATA");
    expect(err.message).toMatch(/\/data\/train\.list line 2 is malformed/);
    expect(err.data).toMatchObject({ list: "/data/train.list", line: 2 });
    expect(() => parseFileList("a b c\n", "x.list")).toThrow(/line 1 .*3 field/);
    expect(() => parseFileList("a.png,b.png\n", "x.list")).toThrow(/SEPARATOR/);
  });

  it("rejects an empty list", () => {
    expect(() => parseFileList("\n\n", "val.list")).toThrow(/no image\/label pairs/);
  });
});

describe("readFileList", () => {
  it("resolves entries under DATA_DIR and finds the list beside the data", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-list-"));
    try {
      fs.writeFileSync(path.join(dir, "train.list"), "i/a.png l/a.png\n");
      const entries = readFileList("train.list", { dataDir: dir, baseDir: "/" });
      expect(entries).toEqual([
        {
          image: path.join(dir, "i/a.png"),
          label: path.join(dir, "l/a.png"),
          list: path.join(dir, "train.list"),
          line: 1,
        },
      ]);
      expect(() => readFileList("missing.list", { dataDir: dir, baseDir: dir })).toThrow(
        /Cannot read the file list .*no such file/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
