import { MobileNetV2SpaceSeg } from "../spaces/mobilenetv2-seg";
import { parsePaddleSlimCheckpoint } from "./paddleslim-import";

const space = new MobileNetV2SpaceSeg();
const init = [...space.initTokens];
const other = [...init];
other[0] = 2;
const third = [...init];
third[1] = 1;

describe("parsePaddleSlimCheckpoint", () => {
  it("reads a PaddleSlim 1.1+ dump: searched, best, then current last", () => {
    const ckpt = {
      _range_table: [space.rangeTable.map(() => 0), [...space.rangeTable]],
      _reduce_rate: 0.85,
      _init_temperature: 1.0,
      _max_try_times: 300,
      _current_tokens: other,
      _reward: 0.41,
      _max_reward: 0.52,
      _best_tokens: init,
      _iter: 3,
      _searched: {
        [`[${third.join(", ")}]`]: 0.3,
        [`[${init.join(", ")}]`]: 0.52,
        [`[${other.join(", ")}]`]: 0.41,
      },
    };
    const r = parsePaddleSlimCheckpoint(ckpt, space);
    expect(r.results).toEqual([
      { tokens: third, reward: 0.3, from: "_searched" },
      { tokens: init, reward: 0.52, from: "_best_tokens" },
      { tokens: other, reward: 0.41, from: "_current_tokens" },
    ]);
    expect(r.iter).toBe(3);
    expect(r.ignored).toEqual(["_reduce_rate", "_init_temperature", "_max_try_times"]);
  });

  it("reads an older dump with _tokens and a flat range table, skipping -1 rewards", () => {
    const r = parsePaddleSlimCheckpoint(
      {
        _range_table: [...space.rangeTable],
        _tokens: init,
        _reward: 0.2,
        _best_tokens: other,
        _max_reward: -1,
      },
      space,
    );
    expect(r.results).toEqual([{ tokens: init, reward: 0.2, from: "_tokens" }]);
  });

  it("refuses another space's checkpoint and empty files, saying what to do", () => {
    expect(() =>
      parsePaddleSlimCheckpoint({ _range_table: [1, 2, 3], _tokens: [0, 0, 0], _reward: 1 }, space),
    ).toThrow(/SLIM.NAS_SPACE_NAME/);
    expect(() => parsePaddleSlimCheckpoint({ _iter: 0, _reward: -1 }, space)).toThrow(/no architecture/);
    expect(() => parsePaddleSlimCheckpoint([], space)).toThrow(/not a JSON object/);
  });
});
