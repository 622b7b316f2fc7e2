/**
 * Reads an EC2 launch template's user data the way an AL2023 EKS node does: base64, then (usually)
 * a MIME multipart document whose `application/node.eks.aws` parts are nodeadm NodeConfig objects,
 * merged in document order with later values winning, beside shell-script parts that run at boot.
 * Sources (read 2026-11-30): https://awslabs.github.io/amazon-eks-ami/nodeadm (user data formats)
 * and https://awslabs.github.io/amazon-eks-ami/nodeadm/doc/examples/ (merging configuration objects).
 * Arrays replace rather than merge here; nodeadm's rule for arrays was not confirmed, and none of the
 * fields the rules read is split across parts by the program.
 */
import { parseAllDocuments } from "yaml";

const NODE_CONFIG_TYPE = "application/node.eks.aws";

/** The kubelet settings the rules read (a KubeletConfiguration fragment under spec.kubelet.config). */
export interface KubeletConfig {
  cpuManagerPolicy?: string;
  cpuManagerPolicyOptions?: Record<string, string>;
  reservedSystemCPUs?: string;
  cpuCFSQuota?: boolean;
  topologyManagerPolicy?: string;
  topologyManagerScope?: string;
  memoryManagerPolicy?: string;
  reservedMemory?: { numaNode?: number; limits?: Record<string, string> }[];
  kubeReserved?: Record<string, string>;
  systemReserved?: Record<string, string>;
  evictionHard?: Record<string, string>;
}

export interface NodeConfig {
  kind?: string;
  spec?: { kubelet?: { config?: KubeletConfig; flags?: string[] } };
}

export interface BootData {
  /** Every NodeConfig part merged, or undefined when the user data holds none. */
  nodeConfig?: NodeConfig;
  /** Shell scripts run at boot (`text/x-shellscript` parts, or a bare `#!` user data). */
  scripts: string[];
}

interface Part {
  contentType: string;
  body: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = isObject(value) && isObject(out[key]) ? merge(out[key], value) : value;
  return out;
}

/** Splits a MIME multipart document into parts; a document without a boundary is one part. */
function mimeParts(text: string): Part[] {
  const normalised = text.replace(/\r\n/g, "\n");
  const boundary = /^Content-Type:\s*multipart\/[a-z]+;[^\n]*boundary="?([^"\n;]+)"?/im.exec(normalised)?.[1];
  if (boundary === undefined) return [{ contentType: normalised.startsWith("#!") ? "text/x-shellscript" : NODE_CONFIG_TYPE, body: normalised }];
  const delimiter = `--${boundary}`;
  const chunks = normalised.split(delimiter).slice(1);
  const parts: Part[] = [];
  for (const chunk of chunks) {
    if (chunk.startsWith("--")) break;
    const body = chunk.replace(/^\n/, "");
    const split = body.indexOf("\n\n");
    const headers = split < 0 ? body : body.slice(0, split);
    const contentType = /^Content-Type:\s*([^;\n]+)/im.exec(headers)?.[1].trim().toLowerCase() ?? "text/plain";
    parts.push({ contentType, body: split < 0 ? "" : body.slice(split + 2) });
  }
  return parts;
}

/** Decodes base64 user data into its merged NodeConfig and boot scripts; throws when a NodeConfig part is not YAML. */
export function decodeUserData(base64: string): BootData {
  const parts = mimeParts(Buffer.from(base64, "base64").toString("utf8"));
  let merged: Record<string, unknown> | undefined;
  const scripts: string[] = [];
  for (const part of parts) {
    if (part.contentType === "text/x-shellscript") scripts.push(part.body);
    if (part.contentType !== NODE_CONFIG_TYPE) continue;
    for (const doc of parseAllDocuments(part.body)) {
      if (doc.errors.length > 0) throw new Error(`a NodeConfig part is not valid YAML: ${doc.errors[0].message}`);
      const value: unknown = doc.toJS();
      if (isObject(value) && value.kind === "NodeConfig") merged = merge(merged ?? {}, value);
    }
  }
  return { ...(merged ? { nodeConfig: merged } : {}), scripts };
}

/** A Linux cpulist ("0-1,32-33") as a sorted list of CPUs; undefined when malformed. */
export function cpuList(text: string): number[] | undefined {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text.trim())) return undefined;
  const cpus = new Set<number>();
  for (const part of text.trim().split(",")) {
    const [lo, hi = lo] = part.split("-").map(Number);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** `NAME="value"` assignments in the boot scripts (the last one wins, as in the shell). */
export function shellAssignments(scripts: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of scripts.join("\n").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)="([^"$]*)"\s*$/.exec(line);
    if (m) found.set(m[1], m[2]);
  }
  return found;
}
