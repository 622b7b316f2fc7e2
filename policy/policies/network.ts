import { K8S, LabelSelector, ObjectMeta, selectsAllPods } from "../kubernetes";
import { asArray, HftPolicy, OPEN_CIDRS, resourceRule, stackRule } from "../rules";

interface NetworkPolicy {
  metadata?: ObjectMeta;
  spec?: { podSelector?: LabelSelector; policyTypes?: string[]; ingress?: object[]; egress?: object[] };
}

interface DefaultDenyConfig {
  policyTypes: string[];
}

/**
 * The directions a policy governs, as far as a deny-all can. Kubernetes defaults an omitted or empty
 * policyTypes to Ingress, adding Egress only when egress rules are given (pkg/apis/networking/v1/
 * defaults.go, read 2026-12-07), and a policy with egress rules denies no egress: so `egress: []`
 * without policyTypes leaves egress open.
 */
function effectivePolicyTypes(spec: NonNullable<NetworkPolicy["spec"]>): string[] {
  const given = asArray(spec.policyTypes);
  return given.length > 0 ? given : ["Ingress"];
}

/** Selects every pod and allows nothing in each required direction. */
function deniesAll(policy: NetworkPolicy, directions: string[]): boolean {
  const spec = policy.spec;
  if (!spec || !selectsAllPods(spec.podSelector)) return false;
  const types = effectivePolicyTypes(spec);
  return directions.every((direction) => {
    const rules = direction === "Ingress" ? spec.ingress : spec.egress;
    return types.includes(direction) && asArray(rules).length === 0;
  });
}

const namespaceDefaultDeny = stackRule<DefaultDenyConfig>(
  {
    name: "namespace-default-deny",
    description: "Every Namespace the program creates holds a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules): add one, then allow exact flows in further policies.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.namespace],
    configSchema: {
      properties: {
        policyTypes: {
          type: "array",
          items: { type: "string", enum: ["Ingress", "Egress"] },
          minItems: 1,
          uniqueItems: true,
          default: ["Ingress", "Egress"],
          description: "Directions the default-deny policy must deny; Egress too, so a compromised pod cannot reach out.",
        },
      },
    },
  },
  (resources, report, config) => {
    const policies = resources.filter((r) => r.type === K8S.networkPolicy).map((r) => r.props as NetworkPolicy);
    for (const resource of resources.filter((r) => r.type === K8S.namespace)) {
      const name = (resource.props as { metadata?: ObjectMeta }).metadata?.name ?? resource.name;
      const denied = policies.some((p) => p.metadata?.namespace === name && deniesAll(p, config.policyTypes));
      if (!denied) {
        report(
          `namespace "${name}" has no default-deny NetworkPolicy (podSelector {}, policyTypes ${config.policyTypes.join(" and ")}, no rules): add one.`,
          resource.urn,
        );
      }
    }
  },
);

interface Service {
  metadata?: ObjectMeta;
  spec?: { type?: string; loadBalancerSourceRanges?: string[] };
}

const LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type";
const NLB_TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type";

const loadBalancerNlb = resourceRule<Service>(
  {
    name: "load-balancer-nlb",
    description: `LoadBalancer Services are Network Load Balancers: annotate ${LB_TYPE}: nlb (or external with ${NLB_TARGET_TYPE}).`,
    enforcementLevel: "mandatory",
    targetTypes: [K8S.service],
  },
  (service, report, _config, args) => {
    if (service.spec?.type !== "LoadBalancer") args.notApplicable("not a LoadBalancer Service");
    const annotations = service.metadata?.annotations ?? {};
    const lbType = annotations[LB_TYPE];
    const nlb = lbType === "nlb" || (lbType === "external" && ["ip", "instance"].includes(annotations[NLB_TARGET_TYPE]));
    if (!nlb) report(`the Service would get a ${lbType === undefined ? "Classic Load Balancer" : `"${lbType}" load balancer`}: annotate ${LB_TYPE}: nlb.`);
  },
);

interface SourceRangesConfig {
  allowInternet: boolean;
}

const loadBalancerSourceRanges = resourceRule<Service, SourceRangesConfig>(
  {
    name: "load-balancer-source-ranges",
    description: "LoadBalancer Services set spec.loadBalancerSourceRanges to the clients' CIDRs, never 0.0.0.0/0 or ::/0 unless this rule's allowInternet is set for the stack.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.service],
    configSchema: {
      properties: {
        allowInternet: { type: "boolean", default: false, description: "Whether a load balancer may accept clients from any address." },
      },
    },
  },
  (service, report, config, args) => {
    const spec = service.spec ?? {};
    if (spec.type !== "LoadBalancer") args.notApplicable("not a LoadBalancer Service");
    const ranges = asArray(spec.loadBalancerSourceRanges);
    if (ranges.length === 0) {
      report("the load balancer accepts every address: set spec.loadBalancerSourceRanges to the clients' CIDRs.");
      return;
    }
    const open = ranges.filter((r) => OPEN_CIDRS.includes(r));
    if (open.length > 0 && !config.allowInternet) report(`spec.loadBalancerSourceRanges includes ${open.join(", ")}: restrict it to the clients' CIDRs.`);
  },
);

export const networkPolicies: HftPolicy[] = [namespaceDefaultDeny, loadBalancerNlb, loadBalancerSourceRanges];
