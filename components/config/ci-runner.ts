import { arnOfStackPartition } from "./arn";
import { int, oneOf, oneOfNumbers, section, text } from "./fields";
import { CLOUDWATCH_RETENTION_DAYS } from "./network";

/** The CodeBuild-hosted GitHub Actions runner inside the VPC that runs the stack's preview and deploy jobs. */
export interface CiRunnerConfig {
  /** GitHub repository whose workflow jobs the runner takes, "owner/name". */
  repository: string;
  /** AWS CodeConnections GitHub connection (its console handshake done once) that CodeBuild registers runners with. */
  connectionArn: string;
  /** CodeBuild on-demand compute type of each job's container. */
  computeType: string;
  /** CodeBuild curated image the jobs run in. */
  image: string;
  /** A job running longer than this is stopped. */
  buildTimeoutMinutes: number;
  /** Retention of the jobs' CloudWatch log group, in days. */
  logRetentionDays: number;
}

/**
 * On-demand Linux compute types, smallest first (CodeBuild User Guide, "Build environment compute
 * modes and types", read 2026-11-30): MEDIUM has 4 vCPUs and 8 GiB, enough for npm ci, the program
 * and the Pulumi engine together.
 */
export const CODEBUILD_COMPUTE_TYPES = ["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE"] as const;

/** A connection ARN after its partition; connections made before the CodeConnections rename keep the codestar-connections service name. */
const CONNECTION_ARN = /(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\d+:\d{12}:connection\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/**
 * The build environment the runner's project is fixed to, and the curated images that run on it.
 * LINUX_CONTAINER is x86_64; aarch64 images need ARM_CONTAINER, and a mismatch fails only when
 * CodeBuild starts a build. Curated image families per environment type: CodeBuild User Guide,
 * "Docker images provided by CodeBuild" (build-env-ref-available.html) and aws-cdk-lib's
 * LinuxBuildImage (x86-64) and LinuxArmBuildImage (aarch64) constants, read 2026-12-07.
 */
export const CI_RUNNER_ENVIRONMENT = {
  type: "LINUX_CONTAINER",
  architecture: "x86_64",
  images: ["amazonlinux-x86_64-standard", "amazonlinux2-x86_64-standard", "standard"],
} as const;
const X86_IMAGE = new RegExp(`^aws/codebuild/(${CI_RUNNER_ENVIRONMENT.images.join("|")}):\\d+\\.\\d+$`);

export function ciRunnerSchema() {
  return section({
    repository: text(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "a GitHub repository as owner/name, e.g. acme/hft-platform").describe(
      "GitHub repository whose workflow jobs the runner takes, owner/name.",
    ),
    connectionArn: arnOfStackPartition(CONNECTION_ARN, "an AWS CodeConnections connection ARN", "arn:aws:codeconnections:<region>:<account>:connection/<uuid>").describe(
      "CodeConnections GitHub connection CodeBuild registers runners with; complete its handshake in the console once.",
    ),
    computeType: oneOf(CODEBUILD_COMPUTE_TYPES).default("BUILD_GENERAL1_MEDIUM").describe("CodeBuild compute type of each job (MEDIUM: 4 vCPUs, 8 GiB)."),
    image: text(
      X86_IMAGE,
      `a CodeBuild curated ${CI_RUNNER_ENVIRONMENT.architecture} image (${CI_RUNNER_ENVIRONMENT.images.map((i) => `aws/codebuild/${i}:<version>`).join(", ")}): the project's environment type is ${CI_RUNNER_ENVIRONMENT.type}, which runs ${CI_RUNNER_ENVIRONMENT.architecture} only`,
    )
      .default("aws/codebuild/amazonlinux-x86_64-standard:5.0")
      .describe(`CodeBuild curated ${CI_RUNNER_ENVIRONMENT.architecture} image the jobs run in (the project is ${CI_RUNNER_ENVIRONMENT.type}); it carries the AWS CLI the kubeconfig calls.`),
    // CodeBuild accepts 5 to 2160 minutes (CreateProject API reference, timeoutInMinutes, read 2026-11-30).
    // Longer than the longest workflow job on the runner (test/workflows.test.ts): a build that ends
    // first kills the job without GitHub's timeout handling and leaves the stack's update lock held.
    buildTimeoutMinutes: int(5, 2160)
      .default(150)
      .describe("CodeBuild stops a build (the job it hosts) after this many minutes (5–2160); keep it above every runner job's timeout-minutes in .github/workflows."),
    logRetentionDays: oneOfNumbers(CLOUDWATCH_RETENTION_DAYS).default(90).describe("Retention of the jobs' log group, in days (a value CloudWatch Logs accepts)."),
  });
}
