// eslint-disable-next-line no-restricted-imports
import * as path from "path";
import { hasSharedFile } from "./shared-data";

describe("hasSharedFile", () => {
  const missing = path.join(__dirname, "no-such-shared-file.csv");
  it("is true for a file that exists", () => {
    expect(hasSharedFile(__filename, {})).toBe(true);
  });
  it("skips (false) outside CI and fails in CI when the file is missing", () => {
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(hasSharedFile(missing, {})).toBe(false);
      expect(hasSharedFile(missing, { CI: "false" })).toBe(false);
      expect(() => hasSharedFile(missing, { CI: "true" })).toThrow(
        /no-such-shared-file\.csv is missing: CI must provide/,
      );
    } finally {
      write.mockRestore();
    }
  });
});
