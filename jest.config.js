// Tests run from TypeScript sources (swc, no type-check: `tsc -b` does that first in `npm test`).
const path = require("path");
const transform = { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] };
// Mesa's EGL without a display, for the webgpu tests (OpenGL ES on llvmpipe): set here, in the
// parent, because a test's process.env is a copy that native code (libEGL's getenv) never sees.
process.env.EGL_PLATFORM = process.env.EGL_PLATFORM || "surfaceless";
const moduleNameMapper = { "^@segnas/([a-z-]+)$": path.join(__dirname, "packages/$1/src/index.ts") };
module.exports = {
  projects: [
    {
      displayName: "unit",
      testMatch: ["<rootDir>/packages/*/src/**/*.test.ts"],
      transform,
      moduleNameMapper,
      testEnvironment: "node",
    },
    {
      displayName: "e2e",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      transform,
      moduleNameMapper,
      testEnvironment: "node",
    },
  ],
};
