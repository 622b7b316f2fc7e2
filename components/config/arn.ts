import { text } from "./fields";

/**
 * The partition of every Region a stack may name in aws:region (aws-regions.ts lists the commercial
 * Regions only). An ARN of another partition (aws-cn: China, aws-us-gov: GovCloud, aws-iso*) names
 * a resource this stack's credentials and endpoints can never reach: it would fail only at
 * `pulumi up`. Source: AWS General Reference, "Amazon Resource Names (ARNs)", partition field,
 * read 2026-12-07.
 */
export const STACK_PARTITION = "aws";

/**
 * An ARN field of the stack's partition. `rest` is the ARN after `arn:<partition>:`, anchored at its
 * end; the pattern (also the JSON Schema's) fixes the partition, and the allowed text names it, so a
 * copied China or GovCloud ARN is refused in one line that says why.
 */
export function arnOfStackPartition(rest: RegExp, what: string, example: string) {
  return text(
    new RegExp(`^arn:${STACK_PARTITION}:${rest.source}$`),
    `${what} in partition ${STACK_PARTITION}, the partition of every Region aws:region accepts (${example})`,
  );
}
