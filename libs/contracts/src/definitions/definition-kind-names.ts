/**
 * What each kind of definition is called — its REST collection, its CLI words, the key of its id —
 * apart from its schema and checks (definition-kinds.ts), so that a browser bundle (the console)
 * names the kinds as the API does without carrying the validator.
 */
export const DEFINITION_KINDS = ['autoscalingPolicy', 'networkPartition', 'deploymentPolicy', 'applicationPolicy', 'cartridgeGroup', 'application'] as const;
export type DefinitionKindName = (typeof DEFINITION_KINDS)[number];

export interface DefinitionKindNames {
  name: DefinitionKindName;
  /** "deployment policy" */
  label: string;
  plural: string;
  /** Stratos's REST collection: /api/<restPath> */
  restPath: string;
  /** `stratos <cliName> add|list|get|update|remove`, and Stratos's add-<cliName> etc. */
  cliName: string;
  cliPlural: string;
  idKey: 'id' | 'name' | 'applicationId';
}

export const definitionKindNames: Record<DefinitionKindName, DefinitionKindNames> = {
  autoscalingPolicy: { name: 'autoscalingPolicy', label: 'autoscaling policy', plural: 'autoscaling policies', restPath: 'autoscalingPolicies', cliName: 'autoscaling-policy', cliPlural: 'autoscaling-policies', idKey: 'id' },
  networkPartition: { name: 'networkPartition', label: 'network partition', plural: 'network partitions', restPath: 'networkPartitions', cliName: 'network-partition', cliPlural: 'network-partitions', idKey: 'id' },
  deploymentPolicy: { name: 'deploymentPolicy', label: 'deployment policy', plural: 'deployment policies', restPath: 'deploymentPolicies', cliName: 'deployment-policy', cliPlural: 'deployment-policies', idKey: 'id' },
  applicationPolicy: { name: 'applicationPolicy', label: 'application policy', plural: 'application policies', restPath: 'applicationPolicies', cliName: 'application-policy', cliPlural: 'application-policies', idKey: 'id' },
  cartridgeGroup: { name: 'cartridgeGroup', label: 'cartridge group', plural: 'cartridge groups', restPath: 'cartridgeGroups', cliName: 'cartridge-group', cliPlural: 'cartridge-groups', idKey: 'name' },
  application: { name: 'application', label: 'application', plural: 'applications', restPath: 'applications', cliName: 'application', cliPlural: 'applications', idKey: 'applicationId' },
};
