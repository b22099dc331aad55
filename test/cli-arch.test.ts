// End-to-end: runs the built CLI (`npx tsc -b` first) as a real process from the repo root.
import { runCli, type CliResult } from "./helpers";

const segnas = (...args: string[]): CliResult => runCli(["arch", ...args]);

describe("segnas arch", () => {
  it("prints the init architecture as JSON", () => {
    const r = segnas("--tokens", "init", "--size", "96x128", "--classes", "11", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.params).toBe(1816331);
    expect(out.bnRunningStats).toBe(31616);
    expect(out.flops).toBe(114890256);
    expect(out.tokens).toEqual([4, 4, 5, 1, 0, 4, 4, 2, 0, 4, 4, 3, 0, 4, 5, 2, 0, 4, 7, 2, 0, 4, 9, 0, 0]);
    expect(out.blocks).toHaveLength(7);
    expect(out.outputShape).toEqual([6, 8, 320]);
    expect(out.shortcutShape).toEqual([24, 32, 144]);
  });

  it("prints a human table with FLOPs in words", () => {
    const r = segnas("--tokens", "4,4,5,1,0,4,4,2,0,4,4,3,0,4,5,2,0,4,7,2,0,4,9,0,0", "--size", "769");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/5704973235 \(5\.70 GFLOPs\)/);
    expect(r.stdout).toMatch(/6\s+6\s+320\s+1\s+1\s+3/);
    expect(r.stdout).toMatch(/backbone\s+49x49x320/);
    expect(r.stdout).toMatch(/shortcut\s+193x193x144/);
  });

  it("shows a NasBench201 cell", () => {
    const r = segnas("--space", "NasBench201", "--tokens", "3,3,3,3,3,3", "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).cell).toBe(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    );
  });

  it("rejects bad tokens with exit 2, naming the position", () => {
    const r = segnas("--tokens", "4,4,5,1,0,4,4,2,0,4,4,3,0,4,5,2,0,4,7,2,0,4,12,0,0");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error \[SEGNAS_E_INVALID_TOKENS\]: .*token 22 \(block6\.filter_num\) = 12/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects a bad size and an unknown space with exit 2", () => {
    const size = segnas("--size", "big");
    expect(size.status).toBe(2);
    expect(size.stderr).toMatch(/^error \[SEGNAS_E_BAD_ARGUMENT\]: --size "big"/);
    const space = segnas("--space", "ResNet");
    expect(space.status).toBe(2);
    expect(space.stderr).toMatch(/^error \[SEGNAS_E_UNKNOWN_SPACE\]: .*MobileNetV2SpaceSeg, NasBench201/);
  });
});
