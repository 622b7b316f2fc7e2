import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The suites are CPU-bound JavaScript with no shared files: every core runs a worker (vitest's
    // default leaves one idle, which on a 2-core machine halves the speed).
    maxWorkers: availableParallelism(),
    projects: [
      {
        test: {
          name: "program",
          include: ["test/**/*.test.ts"],
          // Files share a worker's loaded SDKs (node_modules); test/setup.ts resets the project's own
          // modules before each file, so every run of index.ts gets fresh components and config.
          isolate: false,
          setupFiles: ["test/setup.ts"],
          // Rendering a whole stack under mocks loads every provider SDK.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "policy",
          include: ["policy/**/*.test.ts"],
          // The pack's rules are pure functions of the resources they are handed (the pack never imports
          // the program or registers anything), so its files share one worker's loaded modules.
          isolate: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
