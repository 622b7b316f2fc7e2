import { iamSuite } from "./iam-suite";

iamSuite("prod");
