/**
 * EKS-optimized AL2023 AMI releases (`cluster.nodeAmiRelease`) confirmed to exist, with the
 * kubelet each ships per Kubernetes minor: what preflight checks the pinned release against offline.
 *
 * Source: awslabs/amazon-eks-ami CHANGELOG.md at commit 81fec2e895854f599974fe4d3d72f61c0a9aaffa
 * (2026-07-23), sections "AMI Release v20260714" and "AMI Release v20260625" (per minor, the AMI name
 * amazon-eks-node-al2023-x86_64-standard-<minor>-<release> and its "Release version"), read
 * 2026-12-07. A release newer than that commit is not here: confirm it with the SSM parameter
 * preflight prints, then add it. The CHANGELOG has no section for v20251103 (it appears only as the
 * base of v20251108's comparison link), which the stacks pinned before.
 *
 * Refresh: `gh release view <release> --repo awslabs/amazon-eks-ami`, or
 * `aws ssm get-parameters-by-path --path /aws/service/eks/optimized-ami/<minor>/amazon-linux-2023/x86_64/standard/ --recursive --query 'Parameters[].Name'`.
 */
export const EKS_AMI_RELEASES_SOURCE = "awslabs/amazon-eks-ami CHANGELOG.md at 81fec2e (2026-07-23), read 2026-12-07";

/** Release -> Kubernetes minor -> the kubelet's release version in that AMI. */
export const EKS_AMI_RELEASES: Record<string, Record<string, string>> = {
  v20260625: { "1.30": "1.30.14-20260625", "1.31": "1.31.14-20260625", "1.32": "1.32.13-20260625", "1.33": "1.33.13-20260625", "1.34": "1.34.9-20260625", "1.35": "1.35.6-20260625", "1.36": "1.36.2-20260625" },
  v20260714: { "1.30": "1.30.14-20260714", "1.31": "1.31.14-20260714", "1.32": "1.32.13-20260714", "1.33": "1.33.13-20260714", "1.34": "1.34.9-20260714", "1.35": "1.35.6-20260714", "1.36": "1.36.2-20260714" },
};
