// Types of what tools/node-version.cjs exports, for the tests.

/** package.json's engines.node and its `>=` bound as [major, minor, patch]. */
export declare function requiredNode(root?: string): { range: string; version: [number, number, number] };
/** The one line saying why Node `version` on `platform` ("linux-x64") cannot run the project, or undefined. */
export declare function nodeProblem(version?: string, platform?: string): string | undefined;
/** Exits 2 with that line when this Node is too old. */
export declare function requireSupportedNode(): void;
