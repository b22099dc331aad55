// Debian's chromium (`.ci/apt/dash.txt`) driven by playwright-core, as the dashboard tests
// (test/browser.ts) and the dashboard benchmark (bench/dashboard.js) both launch it: headless,
// no sandbox, no GPU, no background network, a fresh temporary profile per launch.
"use strict";

const CHROMIUM = process.env.SEGNAS_CHROMIUM || "/usr/bin/chromium";

/** Launches CHROMIUM; playwright-core is loaded only here, when a browser is wanted. */
function launchChromium() {
  const { chromium } = require("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

module.exports = { CHROMIUM, launchChromium };
