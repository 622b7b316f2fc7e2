/**
 * Every mutation kit, in one list: mutations.test.ts runs each over the prod fixture and the real
 * prod render, and fails when a rule of the pack has no `value` mutation. A new rule's kit (or its
 * entries in an existing kit) is added here.
 */
import { CHART_ACCESS_MUTATIONS } from "./chart-access";
import { FIRST_LAYER_MUTATIONS } from "./first-layer";
import { Mutation } from "./kit";
import { SECOND_LAYER_MUTATIONS } from "./second-layer";
import { THIRD_LAYER_MUTATIONS } from "./third-layer";
import { VALUE_MUTATIONS } from "./values";

export const MUTATIONS: Mutation[] = [...FIRST_LAYER_MUTATIONS, ...SECOND_LAYER_MUTATIONS, ...VALUE_MUTATIONS, ...THIRD_LAYER_MUTATIONS, ...CHART_ACCESS_MUTATIONS];
