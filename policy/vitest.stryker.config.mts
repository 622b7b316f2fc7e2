import { defineConfig } from "vitest/config";

// The pack's tests alone, for StrykerJS (stryker.config.mjs): the root config's "program" project
// renders stacks and never loads the pack's rules. Files share the worker's loaded modules, as in
// the root config's "policy" project: each mutant's run then reloads only its test files.
export default defineConfig({
  test: {
    include: ["policy/**/*.test.ts"],
    // Stryker's vitest runner activates a mutant in the test worker only (it sets no environment
    // variable), so the gate run as a child process always runs the original rules: these tests cost
    // every static mutant seconds and can detect none.
    exclude: ["policy/test/gate-cli.test.ts"],
    isolate: false,
    testTimeout: 60_000,
  },
});
