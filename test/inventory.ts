import { parse, parseAllDocuments } from "yaml";
import { InventoryEntry } from "../tools/inventory";

/** Looks up registered resources the way a reviewer reads the inventory: by type and name. */
export class Inventory {
  constructor(readonly entries: InventoryEntry[]) {}

  all(type: string): InventoryEntry[] {
    return this.entries.filter((e) => e.type === type);
  }

  one(type: string, name: string): InventoryEntry {
    const found = this.entries.filter((e) => e.type === type && e.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
  }

  /** A Kubernetes object by kind and metadata.name. */
  k8s(type: string, metadataName: string): Record<string, any> {
    const found = this.all(type).filter((e) => (e.inputs.metadata as { name?: string } | undefined)?.name === metadataName);
    if (found.length !== 1) throw new Error(`expected one ${type} ${metadataName}, found ${found.length}`);
    return found[0].inputs as Record<string, any>;
  }
}

export interface UserDataParts {
  nodeConfig: Record<string, any>;
  /** The latency boot script (engine nodes only). */
  script?: string;
  /** The clock's boot script (every node). */
  timeSync?: string;
}

/** Splits a launch template's decoded MIME user data into its NodeConfig and boot script. */
export function userDataParts(entry: InventoryEntry): UserDataParts {
  const text = entry.decoded?.userData;
  if (!text) throw new Error(`${entry.name} has no decoded user data`);
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  if (!boundary) throw new Error("user data is not MIME multipart");
  const parts = text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [headers, ...body] = part.replace(/^\n/, "").split("\n\n");
      return { contentType: /Content-Type: ([^;\n]+)/.exec(headers)?.[1], body: body.join("\n\n") };
    });
  const nodeConfigPart = parts.find((p) => p.contentType === "application/node.eks.aws");
  if (!nodeConfigPart) throw new Error("no NodeConfig part");
  const docs = parseAllDocuments(nodeConfigPart.body).map((d) => d.toJS() as Record<string, any>);
  return {
    nodeConfig: docs.find((d) => d.kind === "NodeConfig") ?? parse(nodeConfigPart.body),
    script: parts.find((p) => p.contentType === "text/x-shellscript" && !p.body.includes("Clock discipline"))?.body,
    timeSync: parts.find((p) => p.contentType === "text/x-shellscript" && p.body.includes("Clock discipline"))?.body,
  };
}
