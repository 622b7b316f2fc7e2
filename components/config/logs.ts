import { int, oneOfNumbers, section, TierContext } from "./fields";
import { CLOUDWATCH_RETENTION_DAYS } from "./network";

/** Where the engine's logs go in eks mode: CloudWatch Logs for its application log, S3 with Object Lock for its order/audit stream. */
export interface LogsConfig {
  /** Days CloudWatch Logs keeps the engine's application log (one of the values the service accepts). */
  engineRetentionDays: number;
  /** Days the order/audit stream is write-once (S3 Object Lock, compliance mode: nobody can shorten or delete it). */
  auditRetentionDays: number;
}

/**
 * Order records are kept at least five years under MiFID II (Article 16(7) of Directive 2014/65/EU
 * and Article 25 of Regulation 600/2014): production's audit retention starts there.
 */
const PROD_MIN_AUDIT_DAYS = 5 * 365;

export function logsSchema({ prod }: TierContext) {
  return section({
    engineRetentionDays: oneOfNumbers(CLOUDWATCH_RETENTION_DAYS).describe("Days CloudWatch Logs keeps the engine's application log."),
    auditRetentionDays: int(prod ? PROD_MIN_AUDIT_DAYS : 1, 36500, prod ? `an integer from ${PROD_MIN_AUDIT_DAYS} (five years, MiFID II order records) to 36500 in production` : undefined).describe(
      "Days each order/audit object stays write-once under S3 Object Lock compliance mode (production: at least five years).",
    ),
  });
}
