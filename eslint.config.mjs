import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default defineConfig(
  { ignores: ["node_modules/", "**/node_modules/", "out/", "bin/", "eslint.config.mjs"] },
  js.configs.recommended,
  {
    // tools/run.cjs is plain CommonJS for Node: it has to run before any TypeScript can.
    files: ["**/*.cjs"],
    languageOptions: { globals: { __dirname: "readonly", __filename: "readonly", process: "readonly", console: "readonly" } },
  },
  {
    files: ["**/*.ts", "**/*.mts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // The root tsconfig includes policy/: one program for the whole tree, where the project service
      // would build policy/tsconfig.json's as well (1.3 s of a cold lint).
      parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname },
    },
    plugins: { pulumi },
    rules: {
      // An Output interpolated with a plain template literal renders as a warning string, not its value.
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests and their fixtures and mutation kits walk loosely typed manifests and inventories; typing every path would hide what they assert.
    files: ["test/**/*.ts", "policy/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
