#!/usr/bin/env node
// Fails when a package.json declares a @segnas dependency that points up or sideways,
// or when its tsconfig references disagree with its package.json: the build order
// and the import rules must describe the same graph.
"use strict";
const fs = require("fs");
const path = require("path");
const order = ["dashboard-ui", "core", "config", "protocol", "journal", "trainer", "server", "worker", "cli"];
const allowed = {
  // The dashboard's front end imports no segnas package; the server and the CLI use it.
  "dashboard-ui": [],
  core: [],
  config: ["core"],
  protocol: ["core"],
  journal: ["core"],
  trainer: ["core", "config"],
  server: ["core", "config", "protocol", "journal", "dashboard-ui"],
  worker: ["core", "config", "protocol", "trainer"],
  cli: order.filter((p) => p !== "cli"),
};
let bad = 0;
for (const pkg of order) {
  const dir = path.join(__dirname, "..", "packages", pkg);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const deps = Object.keys(manifest.dependencies || {})
    .filter((d) => d.startsWith("@segnas/"))
    .map((d) => d.slice(8));
  // References name a package folder or one of its tsconfig files (the build: tsconfig.build.json).
  const refs = (JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8")).references || []).map(
    (r) => path.basename(r.path.replace(/\/tsconfig[^/]*\.json$/, "")),
  );
  for (const d of deps)
    if (!allowed[pkg].includes(d)) {
      console.error(`@segnas/${pkg} must not depend on @segnas/${d}`);
      bad++;
    }
  for (const d of deps)
    if (!refs.includes(d)) {
      console.error(`packages/${pkg}/tsconfig.json lacks a reference to ../${d}`);
      bad++;
    }
  for (const r of refs)
    if (!deps.includes(r)) {
      console.error(
        `packages/${pkg}/tsconfig.json references ../${r} but package.json does not depend on it`,
      );
      bad++;
    }
}
if (bad) process.exit(1);
console.log("layers ok: " + order.join(" <- "));
