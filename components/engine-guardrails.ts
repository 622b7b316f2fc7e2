/** The trading namespace's quota and limits (sized by the stack config) and the engine's priority class. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseQuantity } from "./config";
import type { TradingEngineArgs } from "./engine";

export const PRIORITY_CLASS = "high-priority";

/** Quota, default limits and the priority class of the trading namespace. */
export function engineGuardrails(
  name: string,
  args: Pick<TradingEngineArgs, "namespace" | "quota" | "cpu" | "memory">,
  labels: Record<string, string>,
  k8sOpts: pulumi.CustomResourceOptions,
): void {
  new k8s.core.v1.ResourceQuota(
    `${name}-quota`,
    {
      metadata: { name: "hft-resource-quota", namespace: args.namespace, labels },
      spec: {
        hard: {
          "requests.cpu": args.quota.cpu,
          "limits.cpu": args.quota.cpu,
          "requests.memory": args.quota.memory,
          "limits.memory": args.quota.memory,
          persistentvolumeclaims: String(args.quota.persistentVolumeClaims),
          "services.loadbalancers": String(args.quota.loadBalancers),
          "services.nodeports": String(args.quota.nodePorts),
        },
      },
    },
    k8sOpts,
  );
  new k8s.core.v1.LimitRange(
    `${name}-limits`,
    {
      metadata: { name: "hft-limit-range", namespace: args.namespace, labels },
      spec: {
        limits: [
          {
            type: "Container",
            // The reference's container minimum (1 CPU, 2Gi) would reject its own log-shipper sidecar.
            min: { cpu: "50m", memory: "64Mi" },
            max: { cpu: String(Math.max(8, args.cpu)), memory: maxQuantity("16Gi", args.memory) },
            default: { cpu: "4", memory: "8Gi" },
            defaultRequest: { cpu: "2", memory: "4Gi" },
          },
          { type: "Pod", max: { cpu: String(Math.max(16, args.cpu + 1)), memory: maxQuantity("32Gi", args.memory) } },
        ],
      },
    },
    k8sOpts,
  );
  new k8s.scheduling.v1.PriorityClass(
    `${name}-priority`,
    {
      metadata: { name: PRIORITY_CLASS, labels },
      value: 1000000,
      globalDefault: false,
      description: "Trading engine pods: scheduled first, preempted last",
    },
    k8sOpts,
  );
}

/** The larger of two quantities, keeping the LimitRange from rejecting a configured engine. */
function maxQuantity(a: string, b: string): string {
  return parseQuantity(a)! >= parseQuantity(b)! ? a : b;
}
