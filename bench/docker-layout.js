#!/usr/bin/env node
// The Docker image's build, without a Docker engine: copies exactly what docker/Dockerfile's build
// stage COPYs into an empty /opt/segnas-like directory, runs the same steps (npm ci --ignore-scripts,
// npm rebuild, tsc -b packages/cli/tsconfig.build.json, npm run build:ui, npm prune --omit=dev, sources removed) and then the entry
// point (`segnas --version`, `segnas doctor --json`) from that tree. It proves that the COPY lines
// carry everything a clean install and build need; test/deploy-files.test.ts does the cheap part
// (the runtime layout) in jest. Minutes on 2 cores: npm fetches from its cache or the registry.
//
//   npm run bench:docker-layout [-- --keep]
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const keep = process.argv.includes("--keep");

function buildStageCopies(text) {
  const copies = [];
  let stage = "";
  let buf = "";
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw)) continue;
    buf += (buf ? " " : "") + raw.trim();
    if (buf.endsWith("\\")) {
      buf = buf.slice(0, -1);
      continue;
    }
    const line = buf.trim();
    buf = "";
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1].toUpperCase() === "FROM") stage = (/\bAS\s+(\S+)/i.exec(m[2]) || [])[1] || "";
    if (m[1].toUpperCase() === "RUN" && stage === "build") copies.push({ run: m[2] });
    if (m[1].toUpperCase() !== "COPY" || stage !== "build") continue;
    const words = m[2].split(/\s+/).filter((w) => !w.startsWith("--"));
    copies.push({ sources: words.slice(0, -1), dest: words[words.length - 1] });
  }
  return copies;
}

function step(label, cmd, args, cwd) {
  const t = Date.now();
  execFileSync(cmd, args, {
    cwd,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  const s = (Date.now() - t) / 1000;
  console.log(`${label.padEnd(28)} ${s.toFixed(1)} s`);
  return s;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-docker-layout-"));
const app = path.join(dir, "opt", "segnas");
fs.mkdirSync(app, { recursive: true });
try {
  const copies = buildStageCopies(fs.readFileSync(path.join(ROOT, "docker", "Dockerfile"), "utf8"));
  for (const c of copies.filter((x) => x.sources)) {
    for (const s of c.sources) {
      const dest = c.dest.endsWith("/") ? path.join(app, c.dest, path.basename(s)) : path.join(app, c.dest);
      fs.cpSync(path.join(ROOT, s), dest, {
        recursive: true,
        filter: (p) => !/\/(node_modules|dist)(\/|$)|\.tsbuildinfo$/.test(p),
      });
    }
  }
  console.log(`build stage tree: ${app} (${copies.filter((x) => x.sources).length} COPY lines)`);
  const times = [];
  times.push(
    step(
      "npm ci --ignore-scripts",
      "npm",
      ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
      app,
    ),
  );
  times.push(step("npm rebuild", "npm", ["rebuild"], app));
  times.push(
    step(
      "tsc -b packages/cli/tsconfig.build.json",
      "npx",
      ["tsc", "-b", "packages/cli/tsconfig.build.json"],
      app,
    ),
  );
  times.push(step("npm run build:ui", "npm", ["run", "build:ui"], app));
  times.push(step("npm prune --omit=dev", "npm", ["prune", "--omit=dev", "--no-audit", "--no-fund"], app));
  for (const p of fs.readdirSync(path.join(app, "packages")))
    fs.rmSync(path.join(app, "packages", p, "src"), { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, "configs"), path.join(app, "configs"), { recursive: true });
  const bin = path.join(app, "packages", "cli", "bin", "segnas.js");
  const version = execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim();
  const doctor = JSON.parse(execFileSync(process.execPath, [bin, "doctor", "--json"], { encoding: "utf8" }));
  const sizeMb = Number(execFileSync("du", ["-sm", app], { encoding: "utf8" }).split(/\s/)[0]);
  console.log(`segnas --version            ${version}`);
  console.log(
    `segnas doctor               backend ${doctor.selection ? doctor.selection.backend : JSON.stringify(doctor).slice(0, 80)}`,
  );
  console.log(`/opt/segnas size            ${sizeMb} MB (production dependencies only)`);
  console.log(`total                       ${times.reduce((a, b) => a + b, 0).toFixed(1)} s`);
} finally {
  if (keep) console.log(`kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
