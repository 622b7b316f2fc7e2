import { beforeAll } from "vitest";
import { installMocks } from "../tools/mocks";

// Components constructed directly in a test register against these mocks; whole-stack tests
// reinstall them for their stack through tools/harness.ts.
beforeAll(async () => {
  await installMocks("test");
});
