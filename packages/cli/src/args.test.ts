import { InvalidTokensError, SegnasError, getSpace } from "@segnas/core";
import { parseHead, parsePositiveInt, parseSize, parseTokensArg } from "./args";
import { formatCount, formatFlops, formatTable } from "./format";

describe("parseSize", () => {
  it("reads HxW and single numbers", () => {
    expect(parseSize("769x769")).toEqual({ height: 769, width: 769 });
    expect(parseSize("96X128")).toEqual({ height: 96, width: 128 });
    expect(parseSize(" 97 * 131 ")).toEqual({ height: 97, width: 131 });
    expect(parseSize("64")).toEqual({ height: 64, width: 64 });
  });

  it("names the flag and the bad value", () => {
    for (const bad of ["", "x", "7x", "0x5", "-3", "1.5", "abc", "5x5x5", "99999999"]) {
      expect(() => parseSize(bad)).toThrow(SegnasError);
    }
    expect(() => parseSize("7x", "--crop")).toThrow(/^--crop "7x": not a size; use HEIGHTxWIDTH/);
  });
});

describe("parsePositiveInt and parseHead", () => {
  it("accepts good values and names bad ones", () => {
    expect(parsePositiveInt("19", "--classes")).toBe(19);
    expect(() => parsePositiveInt("0", "--classes")).toThrow(/--classes "0": expected an integer from 1/);
    expect(() => parsePositiveInt("300", "--classes", 255)).toThrow(/1 to 255/);
    expect(() => parsePositiveInt("2.5", "--classes")).toThrow(SegnasError);
    expect(parseHead("aspp-decoder")).toBe("aspp-decoder");
    expect(() => parseHead("fpn")).toThrow(/expected one of plain, aspp, aspp-decoder, decoder/);
  });
});

describe("parseTokensArg", () => {
  const mb = getSpace("MobileNetV2SpaceSeg");
  const nb = getSpace("NasBench201");

  it("knows init, min and max", () => {
    expect(parseTokensArg(mb, "init")).toEqual(mb.initTokens);
    expect(parseTokensArg(mb, "MIN")).toEqual(mb.rangeTable.map(() => 0));
    expect(parseTokensArg(nb, "max")).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it("reads lists and NasBench201 cell strings", () => {
    expect(parseTokensArg(mb, "[4, 4,5,1,0,4,4,2,0,4,4,3,0,4,5,2,0,4,7,2,0,4,9,0,0]")).toEqual(mb.initTokens);
    expect(parseTokensArg(nb, "|none~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|")).toEqual([
      0, 0, 1, 0, 0, 4,
    ]);
  });

  it("names the position of a bad token", () => {
    expect(() => parseTokensArg(mb, "4,4,x")).toThrow(
      /token 2 \(block1\.filter_num\) = "x" is not an integer/,
    );
    expect(() => parseTokensArg(nb, "0,0,0,0,0,-1")).toThrow(/token 5 \(edge2->3\) = -1 is out of range/);
    expect(() => parseTokensArg(mb, "1,2,3")).toThrow(InvalidTokensError);
  });
});

describe("formatting", () => {
  it("formats counts, FLOPs and tables", () => {
    expect(formatCount(1816331)).toBe("1,816,331");
    expect(formatFlops(5704973235)).toBe("5.70 GFLOPs");
    expect(formatFlops(114890256)).toBe("114.89 MFLOPs");
    expect(formatFlops(12)).toBe("12 FLOPs");
    expect(
      formatTable(
        [
          ["a", "bb"],
          [100, 2],
        ],
        "",
      ),
    ).toBe("  a  bb\n100   2");
  });
});
