/** The Stratos 4.1 definitions besides cartridges, as users write them (after normalization). */
import type { NameValue, Volume } from '../cartridge';

export interface Threshold {
  threshold: number;
}
export interface AutoscalingPolicy {
  id: string;
  description?: string;
  isPublic?: boolean;
  loadThresholds: { requestsInFlight?: Threshold; memoryConsumption?: Threshold; loadAverage?: Threshold };
}

export interface Partition {
  id: string;
  description?: string;
  isPublic?: boolean;
  property?: NameValue[];
}
export interface NetworkPartition {
  id: string;
  provider: string;
  partitions: Partition[];
  properties?: NameValue[];
}

export type PartitionAlgorithm = 'round-robin' | 'one-after-another';
export interface DeploymentPolicy {
  id: string;
  networkPartitions: { id: string; partitionAlgo?: PartitionAlgorithm; partitions: { id: string; partitionMax?: number }[] }[];
}

export interface ApplicationPolicy {
  id: string;
  algorithm: 'one-after-another' | 'all-at-once';
  networkPartitions: string[];
  properties?: NameValue[];
}

export type TerminationBehaviour = 'terminate-none' | 'terminate-dependents' | 'terminate-all';
export interface Dependencies {
  startupOrders?: { aliases: string[] }[];
  scalingDependents?: { aliases: string[] }[];
  terminationBehaviour?: TerminationBehaviour;
}

export interface CartridgeGroup {
  name: string;
  cartridges?: string[];
  groups?: CartridgeGroup[];
  dependencies?: Dependencies;
  /** Its instances (all its clusters together) are what the autoscaler adds and removes (where the application's subscription does not say otherwise). */
  groupScalingEnabled?: boolean;
}

export interface CartridgeSubscription {
  type: string;
  cartridgeMin: number;
  cartridgeMax: number;
  subscribableInfo: {
    alias: string;
    autoscalingPolicy?: string;
    deploymentPolicy?: string;
    artifactRepository?: { privateRepo?: boolean; repoUrl?: string; repoUsername?: string; repoPassword?: string; hookSecret?: string };
    dependencyAliases?: string[];
    persistence?: { required?: boolean; volume?: Volume[] };
    property?: NameValue[];
    lvsVirtualIP?: string;
  };
}
export interface GroupSubscription {
  name: string;
  alias: string;
  groupMinInstances?: number;
  groupMaxInstances?: number;
  /** Group scaling: an instance of the group (all its clusters) is the unit added or removed, between groupMinInstances and groupMaxInstances. */
  groupScalingEnabled?: boolean;
  deploymentPolicy?: string;
  cartridges?: CartridgeSubscription[];
  groups?: GroupSubscription[];
}
export interface ApplicationDefinition {
  applicationId: string;
  alias?: string;
  name?: string;
  description?: string;
  multiTenant?: boolean;
  components: { cartridges?: CartridgeSubscription[]; groups?: GroupSubscription[]; dependencies?: Dependencies };
  property?: NameValue[];
}
