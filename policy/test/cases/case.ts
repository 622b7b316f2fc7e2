/** A rule's compliant and violating fixtures, run by rules.test.ts. */
import { EngineResource } from "../../../tools/policy-engine";
import { resource } from "../harness";

export interface Case {
  rule: string;
  compliant: () => EngineResource[];
  violating: () => EngineResource[];
  message: RegExp;
  config?: Record<string, unknown>;
}

/** One resource of `type` built from a copy of `props` with one change. */
export function of(type: string, props: object, mutate: (p: any) => void = () => {}, name?: string, extra: Partial<EngineResource> = {}): EngineResource[] {
  const copy: any = structuredClone(props);
  mutate(copy);
  return [resource(type, copy, name, extra)];
}
