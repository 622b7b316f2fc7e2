/** The shape of preflight's checks: a leaf, shared by tools/preflight.ts and the files split out of it. */

/**
 * placeholder: a value to replace before a production deploy; refused: the policy gate of the stack
 * would refuse it; review: a choice to confirm or change; confirm: a fact to confirm with its command.
 */
export type CheckKind = "placeholder" | "refused" | "review" | "confirm";

export interface Check {
  group: string;
  kind: CheckKind;
  /** What is checked, with the value in the stack file or the render. */
  what: string;
  /** The exact command that checks it, or fixes it (placeholders). */
  command: string;
}

export type AddCheck = (group: string, kind: CheckKind, what: string, command: string) => void;
