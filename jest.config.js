// Tests run from TypeScript sources (swc, no type-check: `tsc -b` does that first in `npm test`).
const path = require("path");
const transform = { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] };
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
