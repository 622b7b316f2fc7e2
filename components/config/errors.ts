import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

export const PROJECT = "hft-platform";

/** A stack configuration that cannot be deployed; lists every problem found, one line each, not just the first. */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stackFile: string,
    readonly problems: string[],
  ) {
    super(
      `Invalid stack configuration in ${stackFile} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Placeholder in an "allowed" text for the full dotted path of the key, e.g. in the `pulumi config set` command to run. */
export const PATH_PLACEHOLDER = "{path}";

/** Words every credential field's message carries, so a message about one never shows its value. */
export const CREDENTIAL_HINT = "pulumi config set --secret";

/** Marks a custom issue as "this key must not be there at all" rather than "this value is wrong". */
export const NOT_ALLOWED = "notAllowed";

/** `a.b[2].c`: the dotted key path users write after `hft-platform:` and in `pulumi config set --path`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, seg) => (typeof seg === "number" ? `${text}[${seg}]` : text ? `${text}.${String(seg)}` : String(seg)), "");
}

/** `<key>: <value> is not allowed; allowed: <what> (set it in <stack file>)`, or `missing` for an absent value. */
export function problemLine(key: string, value: unknown, allowed: string, stackFile: string): string {
  const shown = value === undefined ? "missing" : `${JSON.stringify(value)} is not allowed`;
  return `${key}: ${shown}; allowed: ${allowed} (set it in ${stackFile})`;
}

/** A credential written as plain text: never echo the value; say how to store it encrypted. */
export function plaintextCredentialLine(path: string, stackFile: string): string {
  const key = `${PROJECT}:${path}`;
  return `${key}: plain text is not allowed for a credential; allowed: a secure value, set with ${CREDENTIAL_HINT} --path '${key}' <value> (set it in ${stackFile})`;
}

/** A stack file that cannot be read at all (YAML syntax): one line naming file, line and column. */
export class StackFileSyntaxError extends ConfigError {
  constructor(stackFile: string, line: number, column: number, reason: string) {
    super(stackFile, [`${stackFile}:${line}:${column}: ${reason}`]);
    this.message = this.problems[0];
    this.name = "StackFileSyntaxError";
  }
}

/** Edit distance between two keys, for "did you mean" on near misses. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known key closest to a misspelt one, when it is a near miss (at most 2 edits, case ignored). */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = levenshtein(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** The line for an unknown key: where it is, the keys allowed there and the nearest one. */
export function unknownKeyProblem(fullKey: string, key: string, known: readonly string[], stackFile: string): string {
  const near = didYouMean(key, known);
  return `${fullKey}: unknown key; allowed keys here: ${known.join(", ")}${near ? `; did you mean ${near}?` : ""} (fix it in ${stackFile})`;
}

/**
 * The one place schema issues become the project's messages:
 * `hft-platform:<key>: <value> is not allowed; allowed: <what> (set it in Pulumi.<stack>.yaml)`.
 * A problem about an item of a list of scalars names the list, as users write it.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], stackFile: string): string[] {
  const lines = issues.flatMap((issue) => {
    const path = [...issue.path];
    if (issue.code === "unrecognized_keys") {
      // The object's error map words this issue as the list of keys allowed there (fields.ts, section).
      const known = issue.message.split(", ");
      return issue.keys.map((key) => unknownKeyProblem(`${PROJECT}:${dottedPath([...path, key])}`, key, known, stackFile));
    }
    if (typeof path[path.length - 1] === "number") path.pop();
    const dotted = dottedPath(path);
    const key = `${PROJECT}:${dotted}`;
    const message = issue.message.split(PATH_PLACEHOLDER).join(dotted);
    if (issue.code === "custom" && issue.params?.[NOT_ALLOWED]) return [`${key}: not allowed: ${message} (remove it from ${stackFile})`];
    const input = (issue as { input?: unknown }).input;
    // A credential's value is never echoed, whatever is wrong with it (fields.ts, secret()).
    if (message.includes(CREDENTIAL_HINT) && input !== undefined) return [`${key}: this value is not allowed (not shown: a credential); allowed: ${message} (set it in ${stackFile})`];
    return [problemLine(key, input, message, stackFile)];
  });
  // A field's checks (type, pattern, bounds) share one message: one line per problem.
  return [...new Set(lines)];
}
