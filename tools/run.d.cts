// Types of what tools/run.cjs exports, for the tests.
export declare function sources(root?: string): string[];
export declare function sourceHash(files: string[], root?: string): string;
export declare const BUILDS: string;
