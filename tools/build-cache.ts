/**
 * The local cache of things derived from the sources (compiled tools, schema validators, the base
 * side of a diff, typecheck and lint state): node_modules/.cache/hft-platform/. Every entry is keyed
 * by a hash of what it was made from, so a stale entry is never read, only left behind;
 * `rm -rf node_modules/.cache/hft-platform` starts cold. docs/development.md describes it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

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

/** Writes aside, then renames, so a concurrent run never reads half an entry. */
export function writeAtomic(file: string, text: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}.partial`;
  writeFileSync(staging, text);
  try {
    renameSync(staging, file);
  } finally {
    rmSync(staging, { force: true });
  }
}
