import { defineConfig } from "vitest/config";

// The pack's tests alone, for StrykerJS (stryker.config.mjs): the root config's "program" project
// renders stacks and never loads the pack's rules. Files share the worker's loaded modules, as in
// the root config's "policy" project: each mutant's run then reloads only its test files.
export default defineConfig({
  test: {
    include: ["policy/**/*.test.ts"],
    isolate: false,
    testTimeout: 60_000,
  },
});
