/**
 * What two stack files of one folder must not share, one line per clash naming both files, the key
 * and the value:
 * - an EKS cluster name in the same Region: the name is unique per account and Region (EKS
 *   CreateCluster fails with ResourceInUseException), and the stack's IAM roles, KMS aliases, log
 *   groups and CI runner are named after it;
 * - a CI role (cluster.ciAccess): each stack's preview and deploy roles are that stack's alone, so a
 *   copy left pointing at another stack's roles would preview and deploy through that stack's trust;
 * - overlapping VPC ranges (network.vpcCidr): peering, a transit gateway or the VPN that reaches the
 *   stacks' private endpoints routes by destination and needs distinct ranges.
 * A stack file that does not parse is left to the render's own error.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { cidrsOverlap, parseIpv4Cidr } from "../components/config";
import { stacksIn } from "./cli";

interface StackFacts {
  file: string;
  region?: string;
  clusterName?: string;
  roles: [key: string, arn: string][];
  vpcCidr?: string;
}

type Section = Record<string, unknown> | undefined;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function facts(dir: string, stack: string): StackFacts | undefined {
  const file = `Pulumi.${stack}.yaml`;
  let config: Record<string, unknown>;
  try {
    config = (parse(readFileSync(path.join(dir, file), "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  } catch {
    return undefined;
  }
  if ((config["hft-platform:clusterMode"] ?? "eks") !== "eks") return { file, roles: [] };
  const cluster = config["hft-platform:cluster"] as Section;
  const roles = Object.entries((cluster?.ciAccess ?? {}) as Record<string, unknown>)
    .filter(([, arn]) => typeof arn === "string")
    .map(([key, arn]) => [`cluster.ciAccess.${key}`, arn as string] as [string, string]);
  const vpcCidr = str((config["hft-platform:network"] as Section)?.vpcCidr);
  return {
    file,
    region: str(config["aws:region"]),
    clusterName: str(cluster?.name),
    roles,
    vpcCidr: vpcCidr && parseIpv4Cidr(vpcCidr) ? vpcCidr : undefined,
  };
}

/** Every clash between the stack files in `dir`; with `only`, the clashes of that stack. */
export function stackClashes(dir: string, only?: string): string[] {
  const stacks = stacksIn(dir)
    .map((s) => facts(dir, s))
    .filter((f): f is StackFacts => f !== undefined);
  const lines: string[] = [];
  for (const [i, a] of stacks.entries()) {
    for (const b of stacks.slice(i + 1)) {
      if (only !== undefined && a.file !== `Pulumi.${only}.yaml` && b.file !== `Pulumi.${only}.yaml`) continue;
      const both = `${a.file} and ${b.file}`;
      if (a.clusterName && a.clusterName === b.clusterName && a.region === b.region) {
        lines.push(`${both} both set hft-platform:cluster.name "${a.clusterName}" in ${a.region}: two stacks would create one EKS cluster; give each stack its own name`);
      }
      for (const [key, arn] of a.roles) {
        const other = b.roles.find(([, theirs]) => theirs === arn);
        if (other) lines.push(`${both} share the CI role ${arn} (${key}, ${other[0]}): each stack previews and deploys through its own roles; create this stack's and set them`);
      }
      if (a.vpcCidr && b.vpcCidr && cidrsOverlap(a.vpcCidr, b.vpcCidr)) {
        lines.push(`${both} have overlapping VPC ranges in hft-platform:network.vpcCidr (${a.vpcCidr}, ${b.vpcCidr}): peering, a transit gateway or a VPN route needs distinct ranges; choose a free one`);
      }
    }
  }
  return lines;
}
