import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { median, testCounts } from "../tools/bench";
import { cachedVerdict, CACHE_DIR } from "../tools/build-cache";
import { concurrency } from "../tools/check";
import { stacksIn } from "../tools/cli";
import { REPO_ROOT } from "../tools/harness";
import { BUILDS, DEFERRED, sourceHash, sources } from "../tools/run.cjs";
import { CRD_SCHEMA_DIR, crdValidator, validateObjects } from "../tools/schema";

const scratch = mkdtempSync(path.join(tmpdir(), "hft-build-cache-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(root: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

describe("the compiled-tools cache (tools/run.cjs)", () => {
  it("hashes every .ts file of the tree, wherever it is added, and nothing from node_modules, out or dot-folders", () => {
    const root = path.join(scratch, "tree");
    write(root, "index.ts", "export const a = 1;\n");
    write(root, "components/config/index.ts", "export const b = 2;\n");
    write(root, "node_modules/x/y.ts", "");
    write(root, "out/prod/z.ts", "");
    write(root, ".git/w.ts", "");
    write(root, "README.md", "");
    expect(sources(root)).toEqual([path.join("components", "config", "index.ts"), "index.ts"]);

    const before = sourceHash(sources(root), root);
    expect(sourceHash(sources(root), root)).toBe(before);
    write(root, "tools/new-tool.ts", "export {};\n");
    const added = sourceHash(sources(root), root);
    expect(added).not.toBe(before);
    write(root, "components/config/index.ts", "export const b = 3;\n");
    expect(sourceHash(sources(root), root)).not.toBe(added);
  });

  it("runs a tool from the build of the current sources", () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), "tools/policy-gate.ts", "--stack"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(result.stderr).toMatch(/--stack needs a value/);
    expect(readdirSync(BUILDS)).toContain(sourceHash(sources()));
  });

  it("runs tools joined by + in order, stopping at the first that fails", () => {
    const a = path.join(scratch, "a.ts");
    const b = path.join(scratch, "b.ts");
    writeFileSync(a, 'console.log("a");\n');
    writeFileSync(b, 'console.log("b"); process.exitCode = 3;\n');
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(run(a, "+", b, "+", a)).toMatchObject({ status: 3, stdout: "a\nb\n" });
    expect(run(b, "+", a)).toMatchObject({ status: 3, stdout: "b\n" });
    expect(run(a, "+", a)).toMatchObject({ status: 0, stdout: "a\na\n" }); // a tool already loaded still runs again
  });

  it("defers the SDK's closure modules by the names the installed SDK exports, and they still work when used", () => {
    const sdk = createRequire(require.resolve("@pulumi/pulumi"));
    for (const [suffix, spec] of Object.entries(DEFERRED)) {
      const real = sdk(path.join(REPO_ROOT, "node_modules", suffix)) as Record<string, unknown>;
      if (spec.functions) {
        expect(Object.keys(real).sort()).toEqual([...spec.functions].sort());
        for (const name of spec.functions) expect(typeof real[name]).toBe("function");
      } else {
        expect(typeof real.createSourceFile).toBe("function"); // the TypeScript compiler behind the shim
      }
    }
    const tool = path.join(scratch, "closure.ts");
    writeFileSync(
      tool,
      [
        `const pulumi = require(${JSON.stringify(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"))});`,
        'const loaded = () => Object.keys(require.cache).filter((f) => /node_modules.(typescript|@npmcli.arborist)./.test(f)).length;',
        "const before = loaded();",
        "pulumi.runtime.serializeFunction(() => 42).then((s) => console.log(before, loaded() > 0, s.text.includes('42')));",
        "",
      ].join("\n"),
    );
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), tool], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("0 true true\n");
  });

  it("renders and gates a single stack in the check's own process, failing as the render does", () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), "tools/check.ts", "--stack", "nosuch"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr.startsWith(`unknown stack "nosuch": stacks are ${stacksIn(REPO_ROOT).join(", ")} `)).toBe(true);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("verdicts of the render's checks", () => {
  const kind = `test-verdicts-${process.pid}`;
  afterAll(() => rmSync(path.join(CACHE_DIR, kind), { recursive: true, force: true }));

  it("judges an input once, keeps nothing when the judge throws, and judges afresh with HFT_CHECK_CACHE=off", async () => {
    let judged = 0;
    const judge = (verdict: string) => () => {
      judged++;
      return Promise.resolve(verdict);
    };
    expect(await cachedVerdict(kind, "a", judge("Allowed"))).toBe("Allowed");
    expect(await cachedVerdict(kind, "a", judge("Denied"))).toBe("Allowed");
    expect(await cachedVerdict(kind, "b", judge("Denied"))).toBe("Denied");
    expect(judged).toBe(2);

    await expect(cachedVerdict(kind, "c", () => Promise.reject(new Error("model error")))).rejects.toThrow("model error");
    expect(await cachedVerdict(kind, "c", judge("Allowed"))).toBe("Allowed");
    expect(judged).toBe(3);

    process.env.HFT_CHECK_CACHE = "off";
    try {
      expect(await cachedVerdict(kind, "a", judge("Denied"))).toBe("Denied");
    } finally {
      delete process.env.HFT_CHECK_CACHE;
    }
    expect(judged).toBe(4);
  });

  it("empties a kind's folder, once a run, when it holds more verdicts than it keeps", async () => {
    const small = `${kind}-small`;
    const folder = path.join(CACHE_DIR, small);
    try {
      mkdirSync(folder, { recursive: true });
      for (const key of ["a", "b", "c"]) writeFileSync(path.join(folder, `${key}.json`), '{"verdict":"old"}');
      expect(await cachedVerdict(small, "a", () => Promise.resolve("new"), 2)).toBe("old"); // a verdict found adds nothing
      expect(await cachedVerdict(small, "d", () => Promise.resolve("new"), 2)).toBe("new");
      expect(readdirSync(folder)).toEqual(["d.json"]);
      expect(await cachedVerdict(small, "e", () => Promise.resolve("new"), 1)).toBe("new"); // sized once a run
      expect(readdirSync(folder).sort()).toEqual(["d.json", "e.json"]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("gives a schema error again from the cache, word for word, and judges a changed object anew", async () => {
    const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", labels: { tier: 3 } }, data: { a: "b" } };
    const first = await validateObjects([{ file: "cm.yaml", object: bad }]);
    expect(first.errors).toHaveLength(1);
    expect(await validateObjects([{ file: "cm.yaml", object: structuredClone(bad) }])).toEqual(first);
    const fixed = { ...bad, metadata: { name: "cm", labels: { tier: "3" } } };
    expect((await validateObjects([{ file: "cm.yaml", object: fixed }])).errors).toEqual([]);
  });
});

describe("cached CRD validators", () => {
  it("judge and word findings exactly as the freshly compiled validator does", async () => {
    const file = path.join(CRD_SCHEMA_DIR, "postgresql.cnpg.io_v1_Cluster.json");
    const cacheDir = path.join(scratch, "ajv");
    const fresh = await crdValidator(file, cacheDir);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const cached = await crdValidator(file, cacheDir);
    expect(cached).not.toBe(fresh);

    const bad = { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "c" }, spec: { instances: "three", storage: { sise: "1Gi" } } };
    expect(fresh(bad)).toBe(false);
    expect(cached(bad)).toBe(false);
    expect(cached.errors).toEqual(fresh.errors);
    expect(cached.errors?.map((e) => e.message)).toContain("must be integer");
    expect(cached({ apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "c" }, spec: { instances: 3 } })).toBe(true);
  });
});

describe("bench figures", () => {
  it("takes the median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("reads vitest's test counts from its summary", () => {
    expect(testCounts(" Test Files  27 passed (27)\n      Tests  507 passed (507)\n   Duration  40s\n")).toEqual(["507 passed (507)"]);
    expect(testCounts("\x1b[2m      Tests \x1b[22m \x1b[1m\x1b[32m507 passed\x1b[39m\x1b[22m\x1b[90m (507)\x1b[39m\n")).toEqual(["507 passed (507)"]);
  });
});

describe("stacks side by side", () => {
  it("never runs more tasks at once than the limit, and answers each task's own promise", async () => {
    const run = concurrency(2);
    let running = 0;
    let most = 0;
    const task = (value: number) => async () => {
      most = Math.max(most, ++running);
      await new Promise((done) => setTimeout(done, 5 * (5 - value)));
      running--;
      return value;
    };
    expect(await Promise.all([1, 2, 3, 4, 5].map((v) => run(task(v))))).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });
});
