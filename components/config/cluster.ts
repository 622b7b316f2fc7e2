import { arnOfStackPartition } from "./arn";
import { bool, cidr, cidrList, documentationRangeProblem, list, section, text, TierContext, withRules } from "./fields";
import { EKS_KUBERNETES_RANGE } from "./kubernetes-versions";
import { cidrsOverlap } from "./primitives";

export interface ClusterConfig {
  /** EKS cluster name; also used in the subnets' `kubernetes.io/cluster/<name>` tag. */
  name: string;
  /** EKS Kubernetes minor version, e.g. "1.34". */
  kubernetesVersion: string;
  /** Service IPv4 CIDR; nodes need it in their NodeConfig, so it is set rather than left to EKS. */
  serviceCidr: string;
  /** Public API endpoint (development only); the private endpoint is always on. */
  endpointPublicAccess: boolean;
  /** CIDRs allowed to reach the public endpoint; required when it is on, never 0.0.0.0/0 nor a documentation range. */
  publicAccessCidrs: string[];
  /** IAM role ARNs granted cluster-admin through EKS access entries. */
  adminRoleArns: string[];
  /** The CI roles' Kubernetes access through EKS access entries (docs/ci-cd.md). */
  ciAccess: CiAccessConfig;
  /** EKS-optimized AL2023 AMI release (e.g. "v20260714"), pinned so nodes only roll when this changes. */
  nodeAmiRelease: string;
  /** Managed addon versions, pinned. */
  addons: AddonVersions;
}

/** The roles the workflows assume through GitHub's OIDC token; each gets an EKS access entry. */
export interface CiAccessConfig {
  /** Role of preview.yml: read-only (AmazonEKSViewPolicy, no Secrets); a forbidden dry-run is previewed client-side. */
  previewRoleArn: string;
  /** Role of up.yml: applies everything the program manages. */
  deployRoleArn: string;
}

export interface AddonVersions {
  vpcCni: string;
  coredns: string;
  kubeProxy: string;
  ebsCsiDriver: string;
  efsCsiDriver: string;
  podIdentityAgent: string;
  /** The EKS community add-on that serves metrics.k8s.io (the HPA's CPU and memory metrics). */
  metricsServer: string;
}

/** A Kubernetes minor version within a pinned range, quoted so YAML keeps "1.30" from becoming the number 1.3. */
export function kubernetesVersion(what: "EKS" | "Kubernetes", range: { min: number; max: number }) {
  return text(
    /^1\.(\d+)$/,
    `a quoted ${what} minor version from "1.${range.min}" to "1.${range.max}" (e.g. "1.34")`,
    (v) => Number(v.split(".")[1]) >= range.min && Number(v.split(".")[1]) <= range.max,
  );
}

const roleArn = () => arnOfStackPartition(/iam::\d{12}:role\/[\w+=,.@/-]+/, "an IAM role ARN", "arn:aws:iam::<account>:role/<name>");

const addonVersion = () => text(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, 'an exact EKS addon version such as "v1.20.4-eksbuild.1"');

export function clusterSchema({ prod }: TierContext) {
  const fields = section({
    name: text(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, "letters, digits and '-', starting with a letter, at most 63 characters").describe(
      "EKS cluster name; also used in the subnets' kubernetes.io/cluster/<name> tag.",
    ),
    kubernetesVersion: kubernetesVersion("EKS", EKS_KUBERNETES_RANGE).describe('EKS Kubernetes minor version, quoted, e.g. "1.34"; one EKS still runs (kubernetes-versions.ts).'),
    serviceCidr: cidr(12, 24).describe("Service IPv4 CIDR, /12 to /24, not overlapping the VPC; nodes need it in their NodeConfig."),
    endpointPublicAccess: bool().describe("Public API endpoint (development only); the private endpoint is always on."),
    publicAccessCidrs: cidrList().default([]).describe("CIDRs allowed to reach the public endpoint; required when it is on; never 0.0.0.0/0 nor an RFC 5737 documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)."),
    adminRoleArns: list(roleArn())
      .default([])
      .describe("IAM role ARNs granted cluster-admin through EKS access entries."),
    ciAccess: section({
      previewRoleArn: roleArn().describe(
        "Role preview.yml assumes (e.g. hft-ci-preview-<stack>): read-only, AmazonEKSViewPolicy (no Secrets); forbidden dry-runs are previewed client-side (docs/ci-cd.md).",
      ),
      deployRoleArn: roleArn().describe("Role up.yml assumes from main through the stack's environment (e.g. hft-ci-deploy-<stack>): AmazonEKSClusterAdminPolicy."),
    }).describe("The CI roles' Kubernetes access, each through an EKS access entry (docs/ci-cd.md)."),
    nodeAmiRelease: text(/^v\d{8}$/, 'an EKS AL2023 AMI release such as "v20260714"').describe(
      'EKS-optimized AL2023 AMI release (e.g. "v20260714"), pinned so nodes only roll when this changes.',
    ),
    addons: section({
      vpcCni: addonVersion().describe("Amazon VPC CNI add-on build, exact (v<x.y.z>-eksbuild.N)."),
      coredns: addonVersion().describe("CoreDNS add-on build, exact; one EKS lists for the cluster's Kubernetes version."),
      kubeProxy: addonVersion().describe("kube-proxy build of the cluster's Kubernetes version (v<version>.x-eksbuild.N)."),
      ebsCsiDriver: addonVersion().describe("Amazon EBS CSI driver add-on build, exact."),
      efsCsiDriver: addonVersion().describe("Amazon EFS CSI driver add-on build, exact."),
      podIdentityAgent: addonVersion().describe("EKS Pod Identity Agent add-on build, exact (backups use Pod Identity)."),
      metricsServer: addonVersion().describe(
        "metrics-server, the EKS community add-on serving metrics.k8s.io: without it the HPA cannot read CPU or memory and never scales down.",
      ),
    }).describe("Managed EKS add-on versions, pinned exactly."),
  });
  return withRules(fields, (r) => {
    const c = r.value;
    if (prod && r.valid("endpointPublicAccess") && c.endpointPublicAccess) r.problem("endpointPublicAccess", true, "false in production (private endpoint only)");
    if (r.valid("endpointPublicAccess", "publicAccessCidrs") && c.endpointPublicAccess && c.publicAccessCidrs.length === 0) {
      r.problem("publicAccessCidrs", [], "at least one CIDR when endpointPublicAccess is true");
    }
    if (r.valid("publicAccessCidrs")) {
      for (const range of c.publicAccessCidrs) {
        if (range.endsWith("/0")) r.problem("publicAccessCidrs", range, "specific CIDRs, not the whole internet");
        const documentation = documentationRangeProblem(range);
        if (documentation) r.problem("publicAccessCidrs", range, documentation);
      }
    }
    // EKS keeps one access entry per principal: a role listed twice would fail at deployment.
    const principals: [string, string][] = [
      ...(r.valid("adminRoleArns") ? c.adminRoleArns.map((arn, i): [string, string] => [`adminRoleArns[${i}]`, arn]) : []),
      ...(r.valid("ciAccess.previewRoleArn") ? [["ciAccess.previewRoleArn", c.ciAccess.previewRoleArn] as [string, string]] : []),
      ...(r.valid("ciAccess.deployRoleArn") ? [["ciAccess.deployRoleArn", c.ciAccess.deployRoleArn] as [string, string]] : []),
    ];
    principals.forEach(([key, arn], i) => {
      const earlier = principals.slice(0, i).find(([, other]) => other === arn);
      if (earlier) r.problem(key, arn, `a role without an access entry already (${earlier[0]} has this one; EKS allows one access entry per principal)`);
    });
    if (r.valid("addons.kubeProxy", "kubernetesVersion") && !c.addons.kubeProxy.startsWith(`v${c.kubernetesVersion}.`)) {
      r.problem("addons.kubeProxy", c.addons.kubeProxy, `a kube-proxy build of Kubernetes ${c.kubernetesVersion} (v${c.kubernetesVersion}.x-eksbuild.N)`);
    }
  });
}

/** The Service range must not overlap the VPC: checked where both sections are known. */
export function serviceRangeRule(
  r: { valid(...paths: string[]): boolean; problem(path: string, value: unknown, allowed: string): void },
  value: { cluster?: { serviceCidr?: string }; network?: { vpcCidr?: string } },
): void {
  if (!r.valid("cluster.serviceCidr", "network.vpcCidr")) return;
  const { serviceCidr } = value.cluster!;
  const { vpcCidr } = value.network!;
  if (cidrsOverlap(serviceCidr!, vpcCidr!)) r.problem("cluster.serviceCidr", serviceCidr, `a range that does not overlap network.vpcCidr ${vpcCidr}`);
}

