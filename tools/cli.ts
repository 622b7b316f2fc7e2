/**
 * What the tools' entry points share: strict flags, one-line answers to usage mistakes and config
 * errors (never a stack trace: those mean a bug in the tool), and the stacks a folder holds.
 *
 * Exit codes: 1 for an invalid stack configuration, 2 for a usage mistake (flags, stack names, the
 * files and folders given to flags). A tool's own verdicts (a failed gate) use 1 as before.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseArgs, ParseArgsConfig } from "node:util";
import { ConfigError } from "../components/config";

/**
 * Whether the tools print only their verdicts and counts (npm test sets HFT_QUIET=1 unless asked for
 * --verbose); run alone, they print their full tables.
 */
export function quiet(): boolean {
  return process.env.HFT_QUIET === "1";
}

/** A mistake in how a tool was called; its message says what to do instead. */
export class UsageError extends Error {
  override name = "UsageError";
}

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

const flagName = (key: string) => (key.length === 1 ? `-${key}` : `--${key}`);

/** node:util's message for a parse failure, rewritten as what to change; `usage` follows it. */
function flagProblem(err: Error & { code?: string }, options: FlagOptions): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? "";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${quoted}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${quoted}" (every value follows its flag)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      // "Option '--stack <value>' argument missing", "Option '--json' does not take an argument", ...
      const flag = quoted.split(" ")[0];
      const option = Object.entries(options).find(([key, o]) => flagName(key) === flag || (o.short && `-${o.short}` === flag));
      return option?.[1].type === "boolean" ? `${flag} takes no value` : `${flag} needs a value`;
    }
    default:
      return err.message.split("\n")[0];
  }
}

/** Parses process.argv strictly: no unknown flags, no positional arguments. */
export function parseFlags<const O extends FlagOptions>(usage: string, options: O, args: string[] = process.argv.slice(2)) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError(`${flagProblem(err, options)}; usage: ${usage}`);
    }
    throw err;
  }
}

/** A folder as a message shows it: relative to where the tool runs when inside it, absolute otherwise. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : path.resolve(file);
}

/** Stack names of the `Pulumi.<stack>.yaml` files among `files`, sorted. */
export function stackNames(files: string[]): string[] {
  return files
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function stacksIn(dir: string): string[] {
  return stackNames(readdirSync(dir));
}

/** The error for a stack that has no stack file; `where` says where stack files were looked for. */
export function unknownStack(stack: string, stacks: string[], where: string): UsageError {
  return new UsageError(
    stacks.length > 0
      ? `unknown stack "${stack}": stacks are ${stacks.join(", ")} (files Pulumi.<stack>.yaml ${where})`
      : `unknown stack "${stack}": there is no Pulumi.<stack>.yaml file ${where}`,
  );
}

/** The value of --stack, which must name a `Pulumi.<stack>.yaml` in `dir`. */
export function requireStack(stack: string | undefined, dir: string, usage: string): string {
  const stacks = stacksIn(dir);
  if (stack === undefined) throw new UsageError(`missing --stack (${stacks.length ? `one of ${stacks.join(", ")}` : "no stack files here"}); usage: ${usage}`);
  if (!stacks.includes(stack)) throw unknownStack(stack, stacks, `in ${shownPath(dir)}`);
  return stack;
}

/** A required flag's value. */
export function requireFlag<T>(value: T | undefined, flag: string, usage: string): T {
  if (value === undefined) throw new UsageError(`missing ${flag}; usage: ${usage}`);
  return value;
}

/** A folder given to a flag, which must exist. */
export function existingDir(dir: string, flag: string): string {
  const resolved = path.resolve(dir);
  if (!existsSync(resolved)) throw new UsageError(`${flag} ${dir}: no such folder`);
  if (!statSync(resolved).isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder`);
  return resolved;
}

/**
 * An output folder the tool deletes and writes afresh: refused when it holds anything but an
 * earlier output (recognised by `marker`), so a slip such as `--out .` cannot wipe a checkout.
 */
export function replaceableDir(dir: string, flag: string, marker: string): string {
  const resolved = path.resolve(dir);
  if (!existsSync(resolved)) return resolved;
  if (!statSync(resolved).isDirectory()) throw new UsageError(`${flag} ${dir} is a file: give a folder`);
  const entries = readdirSync(resolved);
  if (entries.length > 0 && !entries.includes(marker)) {
    throw new UsageError(`${flag} ${dir} is a folder with other content (no ${marker}): it would be replaced, so give a new or empty folder`);
  }
  return resolved;
}

/** A reader that stops early (`| head`) ends the tool quietly, as it would a shell command. */
function quietWhenReaderLeaves(err: NodeJS.ErrnoException): void {
  if (err.code !== "EPIPE") throw err;
  process.exit(process.exitCode ?? 0);
}

/**
 * Runs a tool's main: a usage mistake or an invalid stack configuration prints its message alone
 * (exit 2 or 1); anything else is a bug in the tool and prints its stack trace (exit 1).
 */
export function runMain(main: () => Promise<void> | void): void {
  if (!process.stdout.listeners("error").includes(quietWhenReaderLeaves)) process.stdout.on("error", quietWhenReaderLeaves);
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      if (err instanceof UsageError || err instanceof ConfigError) {
        console.error(err.message);
        process.exit(err instanceof UsageError ? 2 : 1);
      }
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    });
}
