/**
 * The stacks the workflows preview and deploy, read from the `Pulumi.<stack>.yaml` files: every
 * eks-mode stack (an existing cluster is reached through its own network, not by this CI), with
 * what its jobs need, so no workflow names a stack or picks one stack's setting for another.
 *
 *   npx tsx tools/ci-stacks.ts [--config-dir DIR]                   # prints lines for $GITHUB_OUTPUT
 *   npx tsx tools/ci-stacks.ts [--config-dir DIR] --check-runners   # quiet, or one ::error:: line per stack
 *
 * Prints `stacks=`, `development=` and `production=`: JSON lists of {stack, key, tier, runner,
 * previewRoleArn, deployRoleArn}, for a job's `strategy.matrix.include`. `key` is the stack's name
 * as a variable suffix (CI_RUNNER_PROJECT_<key>). --check-runners reads the repository's variables
 * as JSON from $VARS_JSON (`toJSON(vars)`) and fails, one `::error::` line per stack, when a stack's
 * runner variable is unset (its runner is not bootstrapped yet: a job would wait a day in the
 * queue) or names another project than the stack's own.
 *
 * Exit codes (tools/cli.ts): 0 printed, 1 a stack file is invalid or a runner variable is wrong, 2 usage mistake.
 */
import * as path from "node:path";
import { ciRunnerProjectName } from "../components/ci-runner";
import { parseStackConfig, Tier } from "../components/config";
import { existingDir, parseFlags, runMain, stacksIn } from "./cli";
import { readStackConfig } from "./harness";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = "npx tsx tools/ci-stacks.ts [--config-dir DIR] [--check-runners]";

export interface CiStack {
  stack: string;
  /** The stack's name as it ends a variable name: upper case, other characters as "_". */
  key: string;
  tier: Tier;
  /** The CodeBuild project of the stack's in-network runner (the ciRunnerProject output). */
  runner: string;
  previewRoleArn: string;
  deployRoleArn: string;
}

export const runnerVariable = (key: string) => `CI_RUNNER_PROJECT_${key}`;

/** Every eks-mode stack of `configDir`, sorted by name; an invalid stack file throws its ConfigError. */
export function ciStacks(configDir = REPO_ROOT): CiStack[] {
  return stacksIn(configDir).flatMap((stack): CiStack[] => {
    const { config, secretKeys } = readStackConfig(stack, configDir);
    const parsed = parseStackConfig(config, stack, (key) => secretKeys.includes(key));
    if (parsed.clusterMode !== "eks") return [];
    return [
      {
        stack,
        key: stack.toUpperCase().replace(/[^A-Z0-9]/g, "_"),
        tier: parsed.tier,
        runner: ciRunnerProjectName(parsed.cluster.name),
        previewRoleArn: parsed.cluster.ciAccess.previewRoleArn,
        deployRoleArn: parsed.cluster.ciAccess.deployRoleArn,
      },
    ];
  });
}

/** One `::error::` line per stack whose runner variable is unset or names another project. */
export function runnerProblems(stacks: CiStack[], variables: Record<string, string | undefined>): string[] {
  return stacks.flatMap((s) => {
    const name = runnerVariable(s.key);
    const value = variables[name];
    if (!value) return [`::error::Repository variable ${name} is not set: set it to ${s.runner}, the ciRunnerProject output of stack ${s.stack}, once its runner exists (docs/ci-cd.md, bootstrap)`];
    if (value !== s.runner) return [`::error::Repository variable ${name} is ${value}, but stack ${s.stack}'s runner is ${s.runner} (cluster.name in Pulumi.${s.stack}.yaml): set it to ${s.runner}`];
    return [];
  });
}

/** The lines for $GITHUB_OUTPUT. */
export function outputLines(stacks: CiStack[]): string[] {
  const json = (list: CiStack[]) => JSON.stringify(list);
  return [`stacks=${json(stacks)}`, `development=${json(stacks.filter((s) => s.tier === "development"))}`, `production=${json(stacks.filter((s) => s.tier === "production"))}`];
}

function main(): void {
  const flags = parseFlags(USAGE, { "config-dir": { type: "string" }, "check-runners": { type: "boolean" } });
  const dir = flags["config-dir"] === undefined ? REPO_ROOT : existingDir(flags["config-dir"], "--config-dir");
  const stacks = ciStacks(dir);
  if (!flags["check-runners"]) {
    console.log(outputLines(stacks).join("\n"));
    return;
  }
  // Workflow commands are read from standard output.
  const problems = runnerProblems(stacks, JSON.parse(process.env.VARS_JSON || "{}") as Record<string, string>);
  if (problems.length > 0) {
    console.log(problems.join("\n"));
    process.exitCode = 1;
  }
}

if (require.main === module) runMain(main);
