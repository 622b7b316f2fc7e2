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
          testTimeout: 60_000,
        },
      },
    ],
  },
});
