import { beforeAll, vi } from "vitest";
import { installMocks } from "../tools/mocks";

// The program project runs without isolation (vitest.config.mts): forget the previous file's
// project modules, so this file's imports and its runs of index.ts evaluate them afresh, while the
// SDKs in node_modules stay loaded.
vi.resetModules();

// Components constructed directly in a test register against these mocks; whole-stack tests
// reinstall them for their stack through tools/harness.ts.
beforeAll(async () => {
  await installMocks("test");
});
