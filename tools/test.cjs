/**
 * `npm test`: what CI runs, step by step, stopping at the first step that fails: typecheck, lint,
 * check (render + policy gate of every stack) and unit (vitest). Quiet on success: one line per step
 * with its time, each stack's verdicts (render, capacity, cost, gate) and vitest's counts; a failing
 * step prints everything it said. `npm test -- --verbose` (or HFT_VERBOSE=1) prints every step in
 * full: the gate's line per rule and its advisories, the capacity tables, every test file.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const { requireSupportedNode } = require("./node-version.cjs");

requireSupportedNode();
const verbose = process.argv.includes("--verbose") || process.env.HFT_VERBOSE === "1";
const unknown = process.argv.slice(2).filter((a) => a !== "--verbose");
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown[0]}; usage: npm test [-- --verbose]`);
  process.exit(2);
}

// Each step is the npm script of that name. Quiet, typecheck and lint show their output only on
// failure, the check prints its verdicts only (HFT_QUIET, not passed to the tests: they read the
// tools' full output), vitest a dot per test and its counts.
const STEPS = [
  { name: "typecheck", shown: false },
  { name: "lint", shown: false },
  { name: "check", shown: true, quietEnv: { HFT_QUIET: "1" } },
  { name: "unit", shown: true, quietArgs: ["--reporter=dot"] },
];

// npm's own CLI under this Node (npm sets npm_execpath for its scripts), else npm from PATH.
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

for (const step of STEPS) {
  const args = [...npm.slice(1), "run", "--silent", step.name, ...(!verbose && step.quietArgs ? ["--", ...step.quietArgs] : [])];
  const shown = verbose || step.shown;
  const env = { ...process.env, ...(verbose ? {} : step.quietEnv) };
  const since = Date.now();
  const result = spawnSync(npm[0], args, { env, stdio: shown ? "inherit" : ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    if (!shown) process.stdout.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    console.error(`npm test: ${step.name} failed (exit ${result.status ?? result.signal}) after ${seconds(since)}`);
    process.exit(result.status || 1);
  }
  console.log(`${step.name}: ok (${seconds(since)})`);
}
console.log(`npm test: passed (${seconds(started)}, Node ${process.version})`);
