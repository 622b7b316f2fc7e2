/**
 * The local cache of things derived from the sources (compiled tools, schema validators, the
 * verdicts of the render's checks, the base side of a diff, typecheck and lint state):
 * node_modules/.cache/hft-platform/. Every entry is keyed by a hash of what it was made from, so a
 * stale entry is never read, only left behind; `rm -rf node_modules/.cache/hft-platform` starts
 * cold. docs/development.md describes it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { Script } from "node:vm";
import { threadId } from "node:worker_threads";

export const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "hft-platform");

/** A short hex key for the given parts, in order. */
export function contentKey(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 20);
}

/** A file in the cache, under a folder per kind of entry. */
export function cacheFile(kind: string, name: string): string {
  return path.join(CACHE_DIR, kind, name);
}

/** Writes aside, then renames, so a concurrent run (or thread) never reads half an entry. */
export function writeAtomic(file: string, text: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}-${threadId}.partial`;
  writeFileSync(staging, text);
  try {
    renameSync(staging, file);
  } finally {
    rmSync(staging, { force: true });
  }
}

/** A package's version, as installed for the tools. */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(createRequire(__filename).resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
}

/** Modules loaded this run whose V8 code cache is to be written once they have run (so it holds their compiled functions). */
const codeCachesToWrite: { script: Script; file: string }[] = [];

/**
 * A generated CommonJS module of the cache (ajv standalone validators), with V8's code cache beside
 * it: a large schema's validator is a megabyte of JavaScript, costlier to parse and compile than to
 * run. The module's own requires (ajv's runtime, the formats) resolve from tools/, wherever the cache is.
 */
export function loadCachedModule(file: string): unknown {
  const codeCache = `${file}.v8-${process.versions.v8}`;
  const cachedData = existsSync(codeCache) ? readFileSync(codeCache) : undefined;
  const script = new Script(`(function (require, module, exports) {${readFileSync(file, "utf8")}\n})`, { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) codeCachesToWrite.push({ script, file: codeCache });
  const module = { exports: {} as unknown };
  const wrapped = script.runInThisContext() as (require: NodeJS.Require, module: { exports: unknown }, exports: unknown) => void;
  wrapped(createRequire(__filename), module, module.exports);
  return module.exports;
}

/** Writes the code caches of the modules loaded since the last call; call once they have done their work. */
export function writeCodeCaches(): void {
  for (const { script, file } of codeCachesToWrite.splice(0)) writeAtomic(file, script.createCachedData());
}

let lockFile: Buffer | undefined;

/** The installed dependencies as pinned (package-lock.json): part of the key of anything a library computed. */
export function dependenciesKey(): Buffer {
  return (lockFile ??= readFileSync(path.join(__dirname, "..", "package-lock.json")));
}

/** Verdicts a kind keeps (a few dozen bytes each): past this its folder starts afresh. */
export const VERDICTS_KEPT = 20_000;
const sizedThisRun = new Set<string>();

/**
 * A pure check's verdict on one input, kept under `kind/` by the key of everything it was judged
 * from (the caller's key must cover the input, the checking code and the libraries). A check that
 * throws keeps nothing. HFT_CHECK_CACHE=off judges every input afresh. Each edit of the program
 * adds the verdicts of the objects it changed, so the first new verdict of a run sizes the folder
 * and empties it when it holds more than `keep`.
 */
export async function cachedVerdict<T>(kind: string, key: string, judge: () => Promise<T>, keep = VERDICTS_KEPT): Promise<T> {
  if (process.env.HFT_CHECK_CACHE === "off") return judge();
  const file = cacheFile(kind, `${key}.json`);
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { verdict: T }).verdict;
  } catch {
    const verdict = await judge();
    if (!sizedThisRun.has(kind)) {
      sizedThisRun.add(kind);
      const dir = path.dirname(file);
      if (existsSync(dir) && readdirSync(dir).length > keep) rmSync(dir, { recursive: true, force: true });
    }
    writeAtomic(file, JSON.stringify({ verdict }));
    return verdict;
  }
}
