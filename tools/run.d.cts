// Types of what tools/run.cjs exports, for the tools and the tests.
import type { Worker } from "node:worker_threads";

export declare function sources(root?: string): string[];
export declare function sourceHash(files: string[], root?: string): string;
export declare const BUILDS: string;
/** Modules of the SDK loaded on first use, by their path below node_modules/. */
export declare const DEFERRED: Record<string, { proxy?: boolean; functions?: string[] }>;
/** Whether this process was started by tools/run.cjs (its hooks compile the tools). */
export declare function canRunTools(): boolean;
/** Runs tools, each a script and its arguments, one after another in this process. */
export declare function runTools(list: string[][]): void;
/** A worker thread running a .ts tool through tools/run.cjs. */
export declare function startWorker(tool: string): Worker;
