/**
 * Runs the repository's TypeScript tools with plain Node from JavaScript compiled once per source
 * state, instead of transpiling every file on each start (tsx): the npm scripts call it.
 *
 *   node tools/run.cjs <tool.ts> [args...] [+ <tool.ts> [args...] ...]
 *
 * Tools joined by `+` run one after the other in this one process, each only if the one before it
 * succeeded (like `&&`), so the SDKs load once: `tools/render.ts --stack prod + tools/policy-gate.ts
 * --stack prod` is a render and its gate.
 *
 * The cache: every .ts file of the repository (outside node_modules/ and out/) is hashed with this
 * file, tsconfig.json and the esbuild version; the JavaScript of that state lives in
 * node_modules/.cache/hft-platform/build/<hash>/ and is reused until any of them changes. A file the
 * cache does not hold (one outside the repository) is compiled when it is required. Like tsc with
 * `module: commonjs`, `import()` becomes `require()`; a package that publishes its modules only
 * under the "import" condition is resolved through it (Node loads ES modules with require()).
 * HFT_BUILD_CACHE=off runs the tools through tsx instead (with TypeScript line numbers in traces).
 */
"use strict";
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const vm = require("node:vm");
const { threadId, workerData } = require("node:worker_threads");
const { requireSupportedNode } = require("./node-version.cjs");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "hft-platform");
const BUILDS = path.join(CACHE, "build");
/** Builds kept besides the current one (a diff's base and head, other branches), newest first. */
const KEEP = 6;
const SKIP_DIRS = new Set(["node_modules", "out", "bin"]);

/** Every .ts file under `root` (but in node_modules/, out/, bin/ and dot-folders), sorted, relative to it. */
function sources(root = ROOT) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full);
      } else if (entry.name.endsWith(".ts")) {
        found.push(path.relative(root, full));
      }
    }
  };
  walk(root);
  return found.sort();
}

/** The hash of the files' names and contents, with what else decides the compiled output. */
function sourceHash(files, root = ROOT) {
  const hash = createHash("sha256");
  const esbuild = JSON.parse(fs.readFileSync(require.resolve("esbuild/package.json", { paths: [ROOT] }), "utf8")).version;
  hash.update(`esbuild ${esbuild}\0`).update(fs.readFileSync(__filename)).update(fs.readFileSync(path.join(ROOT, "tsconfig.json")));
  for (const file of files) hash.update(`\0${file}\0`).update(fs.readFileSync(path.join(root, file)));
  return hash.digest("hex").slice(0, 16);
}

const ESBUILD_OPTIONS = { format: "cjs", platform: "node", target: "node22", supported: { "dynamic-import": false } };

/** Compiles every source into BUILDS/<hash>/ (written aside, then renamed: concurrent runs are safe). */
function build(files, hash) {
  const dir = path.join(BUILDS, hash);
  if (fs.existsSync(dir)) return dir;
  const staging = `${dir}.${process.pid}.partial`;
  const esbuild = require(require.resolve("esbuild", { paths: [ROOT] }));
  try {
    esbuild.buildSync({
      ...ESBUILD_OPTIONS,
      entryPoints: files.filter((f) => !f.endsWith(".d.ts")).map((f) => path.join(ROOT, f)),
      outdir: staging,
      outbase: ROOT,
      logLevel: "silent",
    });
  } catch {
    // A file that does not compile fails only if it is loaded, with esbuild's message, as under tsx.
    fs.rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  try {
    fs.renameSync(staging, dir);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another run built the same state first
  }
  prune(hash);
  return dir;
}

function prune(current) {
  const old = fs
    .readdirSync(BUILDS)
    .filter((d) => d !== current && !d.endsWith(".partial"))
    .map((d) => ({ d, mtime: fs.statSync(path.join(BUILDS, d)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(KEEP);
  for (const { d } of old) fs.rmSync(path.join(BUILDS, d), { recursive: true, force: true });
}

/** The build directory for the current sources, compiling them first when they changed. */
function compiledSources() {
  const files = sources();
  return build(files, sourceHash(files));
}

const CODE_CACHE = path.join(CACHE, "v8");
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function makeRequire(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/**
 * Compiling the SDKs' JavaScript is most of a render's start-up, so
 * V8's code cache of every package module is kept in CODE_CACHE, keyed by path, size and mtime (an
 * npm install that changes a file changes the key), and written once the tool has run, so it holds
 * the functions the run compiled too.
 */
function installCodeCache() {
  const compile = Module.prototype._compile;
  const produced = [];
  Module.prototype._compile = function compileWithCodeCache(content, filename) {
    if (!filename.includes(NODE_MODULES)) return compile.call(this, content, filename);
    let stat;
    try {
      stat = fs.statSync(filename);
    } catch {
      return compile.call(this, content, filename);
    }
    const key = createHash("sha1").update(`${filename}\0${stat.size}\0${stat.mtimeMs}`).digest("hex");
    const file = path.join(CODE_CACHE, key.slice(0, 2), `${key}.bin`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    let script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    } catch {
      // Not CommonJS (an ES module that Node loads through require()): Node's own path handles it.
      return compile.call(this, content, filename);
    }
    if (cachedData === undefined || script.cachedDataRejected) produced.push({ script, file });
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };
  process.on("exit", () => {
    for (const { script, file } of produced) {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        // The render's worker thread may write the same module's cache as it exits.
        const staging = `${file}.${process.pid}-${threadId}`;
        fs.writeFileSync(staging, script.createCachedData());
        fs.renameSync(staging, file);
      } catch {
        // A cache that cannot be written only costs the next run its speed.
      }
    }
  });
}

/**
 * Modules of @pulumi/pulumi that load with it but run only to serialize a function's closure
 * (pulumi.runtime.serializeFunction, computeCodePaths), which no tool here does: TypeScript's
 * compiler and npm's Arborist: with their dependencies, 466 of the 1,493 modules a prod render
 * loaded, 0.07 s of it with the code cache. Each loads when first used: the TypeScript shim behind
 * a proxy (its importers read it only inside functions), codePaths as its exported functions
 * (runtime/index.js copies them at load). test/build-cache.test.ts checks these names against the installed SDK, so
 * an upgrade that changes them fails there, not in a render.
 */
const DEFERRED = {
  [path.join("@pulumi", "pulumi", "typescript-shim.js")]: { proxy: true },
  [path.join("@pulumi", "pulumi", "runtime", "closure", "codePaths.js")]: { functions: ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"] },
};
const DEFERRED_REQUESTS = /(typescript-shim|closure\/codePaths)$/;

function deferLoading() {
  const load = Module._load;
  const standIns = new Map();
  Module._load = function loadDeferred(request, parent, isMain) {
    if (!DEFERRED_REQUESTS.test(request) || !parent) return load.call(this, request, parent, isMain);
    const filename = Module._resolveFilename(request, parent, isMain);
    const spec = Object.entries(DEFERRED).find(([suffix]) => filename.endsWith(`${NODE_MODULES}${suffix}`))?.[1];
    if (!spec || Module._cache[filename]) return load.call(this, request, parent, isMain);
    if (!standIns.has(filename)) {
      let loaded;
      const real = () => (loaded ??= load.call(this, filename, parent, false));
      standIns.set(filename, spec.proxy ? lazyProxy(real) : lazyFunctions(real, spec.functions, filename));
    }
    return standIns.get(filename);
  };
}

/** An object that is the module once anything is asked of it. */
function lazyProxy(real) {
  return new Proxy(
    {},
    {
      get: (_, key) => real()[key],
      has: (_, key) => key in real(),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

/** The module's named functions, each loading the module on its first call. */
function lazyFunctions(real, names, filename) {
  const exports = { __esModule: true };
  for (const name of names) {
    exports[name] = (...args) => {
      const fn = real()[name];
      if (typeof fn !== "function") throw new Error(`tools/run.cjs: ${filename} no longer exports the function ${name}; update DEFERRED`);
      return fn(...args);
    };
  }
  return exports;
}

function installHooks(compiledDir) {
  deferLoading();
  Module._extensions[".ts"] = function loadTypeScript(module, filename) {
    const rel = path.relative(ROOT, filename);
    let code;
    if (compiledDir && !rel.startsWith("..")) {
      try {
        code = fs.readFileSync(path.join(compiledDir, rel.replace(/\.ts$/, ".js")), "utf8");
      } catch {
        code = undefined;
      }
    }
    if (code === undefined) {
      const esbuild = require(require.resolve("esbuild", { paths: [ROOT] }));
      code = esbuild.transformSync(fs.readFileSync(filename, "utf8"), { ...ESBUILD_OPTIONS, loader: "ts", sourcefile: filename }).code;
    }
    module._compile(code, filename);
  };

  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveWithImportCondition(request, parent, ...rest) {
    // Node 22 deprecates its built-in punycode with a warning on stderr (DEP0040); the packages that
    // require it (ajv-formats-draft2019, uri-js) depend on the userland package of the same API.
    if (request === "punycode") {
      try {
        return resolve.call(this, "punycode/", parent, ...rest);
      } catch {
        // not installed beside the requirer: the built-in, as before
      }
    }
    try {
      return resolve.call(this, request, parent, ...rest);
    } catch (err) {
      const target = err && err.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" ? importTarget(request, parent) : undefined;
      if (!target) throw err;
      return target;
    }
  };
}

/** The file a package exports for `request` under the "import" (or "default") condition. */
function importTarget(request, parent) {
  const parts = request.split("/");
  const name = request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const subpath = `.${request.slice(name.length)}`;
  const dirs = Module._nodeModulePaths(parent && parent.filename ? path.dirname(parent.filename) : ROOT);
  const pkgDir = dirs.map((d) => path.join(d, name)).find((d) => fs.existsSync(path.join(d, "package.json")));
  if (!pkgDir) return undefined;
  const exportsMap = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).exports;
  if (!exportsMap || typeof exportsMap !== "object") return undefined;
  const pick = (t) => (typeof t === "string" ? t : t && typeof t === "object" ? pick(t.import ?? t.default) : undefined);
  if (exportsMap[subpath] !== undefined) {
    const target = pick(exportsMap[subpath]);
    return target && path.join(pkgDir, target);
  }
  for (const [key, value] of Object.entries(exportsMap)) {
    const star = key.indexOf("*");
    if (star < 0 || !subpath.startsWith(key.slice(0, star)) || !subpath.endsWith(key.slice(star + 1))) continue;
    const target = pick(value);
    const matched = subpath.slice(star, subpath.length - (key.length - star - 1));
    return target && path.join(pkgDir, target.replace("*", matched));
  }
  return undefined;
}

/** `a.ts x y + b.ts z` as [["a.ts", "x", "y"], ["b.ts", "z"]]. */
function commands(args) {
  const list = [[]];
  for (const arg of args) {
    if (arg === "+") list.push([]);
    else list[list.length - 1].push(arg);
  }
  return list;
}

/** Whether this process's requires go through the hooks (main installs them), as runTools needs. */
let hooksInstalled = false;
/** The build the hooks read the tools from (undefined when the sources do not compile). */
let compiledDir;

function main() {
  requireSupportedNode();
  const list = commands(process.argv.slice(2));
  if (list.some((c) => c.length === 0)) {
    console.error("usage: node tools/run.cjs <tool.ts> [args...] [+ <tool.ts> [args...] ...]");
    process.exit(2);
  }
  if (process.env.HFT_BUILD_CACHE === "off") {
    // As before the cache: each tool in its own tsx process, stopping at the first that fails.
    const tsx = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    for (const command of list) {
      const status = spawnSync(process.execPath, [tsx, ...command], { stdio: "inherit" }).status;
      if (status !== 0) process.exit(status ?? 1);
    }
    return;
  }
  if (process.env.HFT_CODE_CACHE !== "off") installCodeCache();
  // A worker this runner started compiles nothing: it is handed the build its process already uses.
  compiledDir = workerData?.hftBuild ?? compiledSources();
  installHooks(compiledDir);
  hooksInstalled = true;

  runTools(list);
}

/**
 * Runs tools (each a script and its arguments) one after another in this process, through the
 * hooks `main` installed: each starts once the one before it has nothing left to do and has not failed.
 */
function runTools(list) {
  if (!hooksInstalled) throw new Error("tools/run.cjs: runTools needs the hooks of a process started by tools/run.cjs");
  const node = process.argv[0];
  const next = () => {
    const [script, ...args] = list.shift();
    const file = path.resolve(script);
    // A tool the one before it imported (or ran) must still run as a main module: evaluate it afresh.
    for (const loaded of [file, `${file}.ts`]) delete require.cache[loaded];
    process.argv = [node, file, ...args];
    Module.runMain();
  };
  process.on("beforeExit", () => {
    if (list.length > 0 && !process.exitCode) next();
  });
  next();
}

/** A worker thread running `tool` (a .ts file) through this runner, as `node tools/run.cjs <tool>` would. */
function startWorker(tool) {
  if (!hooksInstalled) throw new Error("tools/run.cjs: startWorker needs the hooks of a process started by tools/run.cjs");
  const { Worker } = require("node:worker_threads");
  return new Worker(__filename, { argv: [tool], workerData: { hftBuild: compiledDir } });
}

// Exported before main runs: the tools it starts (check.ts) require this module back.
module.exports = { sources, sourceHash, BUILDS, DEFERRED, runTools, startWorker, canRunTools: () => hooksInstalled };

if (require.main === module) main();
