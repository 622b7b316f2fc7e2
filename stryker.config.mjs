// Mutation testing of the policy pack (docs/development.md, "Mutation testing"): how much of the
// rules' logic the pack's tests notice changing. Not part of `npm test`: a full run takes long.
// MUTATE=<file> (a name in policy/policies/, without .ts) mutates that file alone, with its own
// incremental file and report under reports/per-file/: `npm run mutation:report -- --merge
// reports/per-file` then combines the files' reports into the whole directory's.
const one = globalThis.process.env.MUTATE;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
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

export default one
  ? {
      ...config,
      mutate: [`policy/policies/${one}.ts`],
      incrementalFile: `reports/incremental/${one}.json`,
      jsonReporter: { fileName: `reports/per-file/${one}.json` },
    }
  : config;
