import { isSegnasError } from "../errors";
import { MobileNetV2SpaceSeg } from "./mobilenetv2-seg";
import { NasBench201Space } from "./nb201";
import { getSpace, isSpaceName, spaceNames } from "./registry";
import { UnknownSpaceError } from "../error-classes";

describe("space registry", () => {
  it("knows both spaces by their exact names", () => {
    expect(spaceNames()).toEqual(["MobileNetV2SpaceSeg", "NasBench201"]);
    expect(getSpace("MobileNetV2SpaceSeg")).toBeInstanceOf(MobileNetV2SpaceSeg);
    expect(getSpace("NasBench201")).toBeInstanceOf(NasBench201Space);
    for (const name of spaceNames()) expect(getSpace(name).name).toBe(name);
    expect(isSpaceName("NasBench201")).toBe(true);
    expect(isSpaceName("toString")).toBe(false);
  });

  it("names the known spaces when a name is unknown", () => {
    expect(() => getSpace("ResNet")).toThrow(UnknownSpaceError);
    let e: unknown = null;
    try {
      getSpace("ResNet");
    } catch (err) {
      e = err;
    }
    expect(isSegnasError(e) && e.code).toBe("SEGNAS_E_UNKNOWN_SPACE");
    expect((e as UnknownSpaceError).exitCode).toBe(2);
    expect((e as Error).message).toMatch(/known spaces: MobileNetV2SpaceSeg, NasBench201/);
    expect((e as UnknownSpaceError).data).toEqual({ name: "ResNet", known: spaceNames() });
  });

  it("is case-sensitive, with a hint", () => {
    expect(() => getSpace("mobilenetv2spaceseg")).toThrow(
      /case-sensitive: did you mean MobileNetV2SpaceSeg\?/,
    );
    expect(() => getSpace("")).toThrow(/unknown search space ""/);
    expect(() => getSpace("constructor")).toThrow(UnknownSpaceError);
  });
});
