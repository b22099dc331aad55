// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Layering: a package may import only the packages below it. tsc project references
// already fail a wrong-way import on a clean build; this catches it while editing too.
const layers = {
  // The dashboard's front end (browser bundle + report renderer) imports no segnas package.
  "dashboard-ui": [],
  core: [],
  config: ["core"],
  protocol: ["core"],
  journal: ["core"],
  trainer: ["core", "config"],
  server: ["core", "config", "protocol", "journal", "dashboard-ui"],
  worker: ["core", "config", "protocol", "trainer"],
  cli: ["core", "config", "protocol", "journal", "trainer", "server", "worker", "dashboard-ui"],
};
const all = Object.keys(layers);
const nodeIo = [
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "child_process",
  "worker_threads",
  "dgram",
  "os",
  "path",
  "node:fs",
  "node:fs/promises",
  "node:net",
  "node:child_process",
  "node:os",
  "node:path",
  "node:worker_threads",
];

const layerRules = Object.entries(layers).map(([pkg, allowed]) => ({
  files: [`packages/${pkg}/src/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        paths: [
          ...all
            .filter((p) => p !== pkg && !allowed.includes(p))
            .map((p) => ({
              name: `@segnas/${p}`,
              message: `@segnas/${pkg} sits below @segnas/${p}: dependencies point one way (see ARCHITECTURE in README).`,
            })),
          ...(pkg === "core" ? nodeIo.map((name) => ({ name, message: "core is pure: no I/O." })) : []),
        ],
        patterns: [
          {
            group: ["@segnas/*/src/*", "../../*/src/*"],
            message: "Import a package through its index, never its src/.",
          },
          ...(pkg === "trainer"
            ? []
            : [{ group: ["@tensorflow/*"], message: "Only @segnas/trainer imports tfjs." }]),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "coverage/**", "runs/**", ".cache/**", "**/*.d.ts"] },
  { ignores: [".gpu-pack/**"] }, // the GPU check pack being built (bench/gpu/build-pack.js)
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  ...layerRules,
  {
    // The dashboard's page runs in a browser.
    files: ["packages/dashboard-ui/src/browser/**/*.ts"],
    languageOptions: {
      globals: {
        window: "readonly",
        document: "readonly",
        location: "readonly",
        localStorage: "readonly",
        matchMedia: "readonly",
        performance: "readonly",
        requestAnimationFrame: "readonly",
        fetch: "readonly",
        EventSource: "readonly",
        URL: "readonly",
        Blob: "readonly",
      },
    },
  },
);
