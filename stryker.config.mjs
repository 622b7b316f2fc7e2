// Mutation testing of the policy pack (docs/development.md, "Mutation testing"): how much of the
// rules' logic the pack's tests notice changing. Not part of `npm test`: a full run takes long.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "policy/vitest.stryker.config.mts", related: false },
  mutate: ["policy/policies/**/*.ts"],
  // Only what the pack's tests read: the pack, the offline engine in tools/, and the prod renders.
  ignorePatterns: ["/charts", "/docs", "/test", "/out/*/manifests", "/out/*/charts", "/reports"],
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  concurrency: 2,
  timeoutMS: 30000,
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: "node_modules/.cache/hft-platform/stryker-tmp",
  cleanTempDir: "always",
};
