import {
  formatPythonLiteral,
  parsePythonLiteral,
  tryParsePythonLiteral,
  type PyValue,
} from "./python-literal";

describe("parsePythonLiteral (PaddleSeg's literal_eval with raw-string fallback)", () => {
  const table: [string, PyValue][] = [
    ["True", true],
    ["False", false],
    ["None", null],
    ["0", 0],
    ["23333", 23333],
    ["-1", -1],
    ["- 1", -1],
    ["-(5)", -5],
    ["+3", 3],
    ["1_000", 1000],
    ["0x1F", 31],
    ["0o17", 15],
    ["0b101", 5],
    ["0.01", 0.01],
    ["1e-5", 1e-5],
    ["2.", 2],
    [".5", 0.5],
    ["-0.25", -0.25],
    ["007.5", 7.5],
    ['""', ""],
    ["''", ""],
    ['"text"', "text"],
    ["'rgb'", "rgb"],
    ['u"text"', "text"],
    ["u'pretrained_model/x'", "pretrained_model/x"],
    ['r"a\\nb"', "a\\nb"],
    ['b"bytes"', "bytes"],
    ['"a\\tb\\n"', "a\tb\n"],
    ['"\\x41\\u00e9\\101"', "Aé" + "A"],
    ['"\\d"', "\\d"],
    ['"it\'s"', "it's"],
    ["'say \"hi\"'", 'say "hi"'],
    ['"""triple"""', "triple"],
    ['"a" "b"', "ab"],
    ["(769, 769)", [769, 769]],
    ["(2048,1024)", [2048, 1024]],
    ["(5,)", [5]],
    ["()", []],
    ["(5)", 5],
    ["769, 769", [769, 769]],
    ["1,", [1]],
    ["[1, 2]", [1, 2]],
    ["[1, 2,]", [1, 2]],
    ["[]", []],
    ["[0.5, 0.5, 0.5]", [0.5, 0.5, 0.5]],
    ['["softmax_loss", "dice_loss"]', ["softmax_loss", "dice_loss"]],
    [
      "[(1, 2), [3, (4,)]]",
      [
        [1, 2],
        [3, [4]],
      ],
    ],
    ["{'a': 1, 2: [None]}", { a: 1, "2": [null] }],
    ["{}", {}],
    ["{1, 2}", [1, 2]],
    ["  5", 5],
    ["5  # comment", 5],
    ["[1,\n 2]", [1, 2]],
    // Not literals: the raw text comes back (PaddleSeg's fallback).
    ["", ""],
    ["MobileNetV2SpaceSeg", "MobileNetV2SpaceSeg"],
    ["rgb", "rgb"],
    ["true", "true"],
    ["127.0.0.1", "127.0.0.1"],
    ["007", "007"],
    ["./dataset/cityscapes/", "./dataset/cityscapes/"],
    ["saved_model/x", "saved_model/x"],
    ["1j", "1j"],
    ["-True", "-True"],
    ["--2", "--2"],
    ["-(-5)", "-(-5)"],
    ["0_0", 0],
    ["[1, 2", "[1, 2"],
    ["'unterminated", "'unterminated"],
    ["f'x'", "f'x'"],
    ["1 2", "1 2"],
    ["os.system('x')", "os.system('x')"],
    ["__import__('os')", "__import__('os')"],
    ["inf", "inf"],
  ];
  test.each(table)("%j -> %j", (text, want) => {
    expect(parsePythonLiteral(text)).toEqual(want);
  });

  test("tryParsePythonLiteral says why text is not a literal", () => {
    expect(tryParsePythonLiteral("MobileNetV2SpaceSeg")).toEqual({
      ok: false,
      reason: expect.stringContaining("name"),
    });
    expect(tryParsePythonLiteral("")).toEqual({ ok: false, reason: "empty text" });
    expect(tryParsePythonLiteral("(1, 2)")).toEqual({ ok: true, value: [1, 2] });
  });

  test("formatPythonLiteral writes what parsePythonLiteral reads back", () => {
    const values: PyValue[] = [
      null,
      true,
      false,
      0,
      -1,
      0.5,
      1e-7,
      "",
      "x",
      "it's",
      "a\"b'c",
      "tab\there\n",
      "\\",
      [1, 2],
      [],
    ];
    for (const v of values) expect(parsePythonLiteral(formatPythonLiteral(v))).toEqual(v);
    expect(formatPythonLiteral([769, 769], { tuple: true })).toBe("(769, 769)");
    expect(formatPythonLiteral([5], { tuple: true })).toBe("(5,)");
    expect(formatPythonLiteral([1, 2], { float: true })).toBe("[1.0, 2.0]");
    expect(formatPythonLiteral("True")).toBe("'True'");
  });
});
