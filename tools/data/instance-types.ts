/**
 * EC2 instance types the stacks may use: topology and memory, and the ENI limits nodeadm derives the
 * kubelet's maxPods from.
 *
 * Sources (read 2026-11-30):
 * - vCPUs, cores, threads per core, sockets, memory: AWS EC2 User Guide, "Amazon EC2 instance type
 *   specifications" (general purpose M6i, compute optimized C6i, memory optimized R6i) and
 *   "CPU options: supported CPU cores and threads per CPU core" (c6i.metal: 2 sockets x 32 cores x 2 threads).
 * - ENIs and IPv4 addresses per ENI: awslabs/amazon-eks-ami, nodeadm/internal/kubelet/instance-info.jsonl
 *   at commit 4d63a3bc2d86958490e0e0e2a04eba69da4c45db (2026-07-01); nodeadm's standard max pods is
 *   ENIs x (IPs per ENI - 1) + 2 (nodeadm/internal/kubelet/eni_max_pods.go, calculateStandardMaxPods).
 *
 * Refresh: `aws ec2 describe-instance-types --instance-types <type...> --query
 * 'InstanceTypes[].{t:InstanceType,v:VCpuInfo,m:MemoryInfo.SizeInMiB,n:NetworkInfo.{enis:MaximumNetworkInterfaces,ips:Ipv4AddressesPerInterface}}'`
 * (sockets are not in that API: the instance type specifications page lists them for metal types).
 */
export interface InstanceType {
  vcpus: number;
  cores: number;
  threadsPerCore: number;
  /** Sockets, each its own NUMA node on these Intel types. */
  sockets: number;
  memoryGiB: number;
  maxEnis: number;
  ipv4PerEni: number;
}

export const INSTANCE_TYPES_DATE = "2026-11-30";

const t = (vcpus: number, memoryGiB: number, maxEnis: number, ipv4PerEni: number, sockets = 1): InstanceType => ({
  vcpus,
  cores: vcpus / 2,
  threadsPerCore: 2,
  sockets,
  memoryGiB,
  maxEnis,
  ipv4PerEni,
});

export const INSTANCE_TYPES: Record<string, InstanceType> = {
  "m6i.large": t(2, 8, 3, 10),
  "m6i.xlarge": t(4, 16, 4, 15),
  "m6i.2xlarge": t(8, 32, 4, 15),
  "m6i.4xlarge": t(16, 64, 8, 30),
  "m6i.8xlarge": t(32, 128, 8, 30),
  "r6i.large": t(2, 16, 3, 10),
  "r6i.xlarge": t(4, 32, 4, 15),
  "r6i.2xlarge": t(8, 64, 4, 15),
  "r6i.4xlarge": t(16, 128, 8, 30),
  "c6i.2xlarge": t(8, 16, 4, 15),
  "c6i.4xlarge": t(16, 32, 8, 30),
  "c6i.8xlarge": t(32, 64, 8, 30),
  "c6i.metal": t(128, 256, 15, 50, 2),
};

/** nodeadm's standard max pods for the type (no custom maxPodsExpression). */
export function maxPods(type: InstanceType): number {
  return type.maxEnis * (type.ipv4PerEni - 1) + 2;
}

export function instanceType(name: string): InstanceType {
  const found = INSTANCE_TYPES[name];
  if (!found) {
    throw new Error(`instance type ${name} is not in tools/data/instance-types.ts: add it with its source before sizing a node group with it`);
  }
  return found;
}
