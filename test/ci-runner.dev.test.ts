import { ciRunnerSuite } from "./ci-runner.shared";

ciRunnerSuite("dev");
