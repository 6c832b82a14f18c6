/**
 * What a deployment stores with each cluster (the jsonb `spec` of its row): what the reconciler
 * needs to launch the cluster's members. Made by the controller's deployment plan.
 */
import type { ApplicationPolicy, PartitionAlgorithm, TerminationBehaviour } from '../definitions/definition-types';
import type { ContainerLimits } from '../container-limits';

export interface Placement {
  networkPartitionId: string;
  partitionId: string;
  partitionMax: number | null;
  provider: string;
  driver: string;
  imageId: string;
  /** The partition's region (absent in clusters deployed before regions: the default one); `driver` is its region's. */
  region?: string;
  /** The image artifact `imageId` came from (the cartridge named `artifact:NAME[@VERSION]`): its version, Available in this region at deploy. */
  artifact?: { name: string; version: string };
  /** The nodes the partition allows (its zone and constraint properties; node-constraints.ts): for drivers of several nodes. */
  constraints?: string[];
  /** Its network partition's own partitionAlgo (absent in clusters deployed before: the spec's then). */
  algorithm?: PartitionAlgorithm;
}

/** What the reconciler needs to launch a cluster's members; stored with the cluster. */
export interface ClusterSpec {
  cartridgeType: string;
  multiTenant: boolean;
  ports: { name?: string; protocol: string; port: number }[];
  /** payload_parameter.X properties (cartridge, then subscription), as X → value. */
  payload: Record<string, string>;
  /** Every property of the cartridge, then the subscription (the member's /env/ keys); absent in clusters deployed before it existed. */
  properties?: Record<string, string>;
  placements: Placement[];
  /** The subscription's autoscaling policy (its id: read at each evaluation, so a change applies live); absent in clusters deployed before. */
  autoscalingPolicy?: string;
  partitionAlgorithm: PartitionAlgorithm;
  applicationAlgorithm: ApplicationPolicy['algorithm'];
  volumes: { id: string; mappingPath: string; removeOnTermination?: boolean }[];
  /** When this cluster fails: what to take down, and among which clusters (its level). */
  termination: { behaviour: TerminationBehaviour; scope: string };
  /** What each docker member may use (container.memory, container.cpus, container.pids); absent in clusters deployed before. */
  limits?: ContainerLimits;
  /** Where its members clone their artifacts from (secrets sealed, as stored). */
  artifactRepository?: { repoUrl: string; repoUsername?: string; repoPassword?: string; hookSecret?: string };
}
