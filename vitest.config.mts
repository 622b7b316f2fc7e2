import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "program",
          include: ["test/**/*.test.ts"],
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
          // The program's files stay isolated: each run of index.ts needs fresh modules and Pulumi runtime state.
          isolate: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
