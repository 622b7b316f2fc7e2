import { bool, cidr, int, oneOfNumbers, section, TierContext, withRules } from "./fields";

export interface NetworkConfig {
  /** VPC IPv4 CIDR, /16 to /20; private subnets get an eighth each, public subnets a sixty-fourth. */
  vpcCidr: string;
  /** Availability zones to spread subnets over (2–3; production: 3). */
  availabilityZones: number;
  /** NAT gateways: 1 (shared, cheap) or one per availability zone. */
  natGateways: number;
  /** VPC flow logs to CloudWatch (required in production). */
  flowLogs: boolean;
  /** Retention of the flow log group, in days. */
  flowLogRetentionDays: number;
}

/** Retention values CloudWatch Logs accepts (CloudWatch Logs PutRetentionPolicy API reference, retentionInDays). */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export function networkSchema({ prod }: TierContext) {
  const fields = section({
    vpcCidr: cidr(16, 20).describe("VPC IPv4 CIDR, /16 to /20; private subnets get an eighth each, public subnets a sixty-fourth."),
    availabilityZones: int(prod ? 3 : 2, 3, prod ? "3 in production" : undefined).describe("Availability zones to spread subnets over (2–3; production: 3)."),
    natGateways: int(1, 3).describe("NAT gateways: 1 (shared, cheap) or one per availability zone."),
    flowLogs: bool().describe("VPC flow logs to CloudWatch (required in production)."),
    flowLogRetentionDays: oneOfNumbers(CLOUDWATCH_RETENTION_DAYS).default(90).describe("Retention of the flow log group, in days (a value CloudWatch Logs accepts)."),
  });
  return withRules(fields, (r) => {
    const { natGateways, availabilityZones, flowLogs } = r.value;
    if (r.valid("natGateways", "availabilityZones")) {
      if (natGateways !== 1 && natGateways !== availabilityZones) {
        r.problem("natGateways", natGateways, `1 (shared) or ${availabilityZones} (one per availability zone)`);
      } else if (prod && natGateways !== availabilityZones) {
        r.problem("natGateways", natGateways, `${availabilityZones} in production (one per availability zone, so losing a zone keeps egress)`);
      }
    }
    if (prod && r.valid("flowLogs") && flowLogs === false) r.problem("flowLogs", false, "true in production");
  });
}
