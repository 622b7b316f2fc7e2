import { iamSuite } from "./iam-suite";

iamSuite("dev");
