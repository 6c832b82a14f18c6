import type { ApplicationStatus, ClusterStatus, MemberStatus } from './lifecycle';

/** A declared port and where a member really serves it (a free host port, or the same port on its own address). */
export interface PortBinding {
  name?: string;
  protocol: string;
  /** As the cartridge declares it. */
  port: number;
  /** Where it is reachable on `host`. */
  hostPort: number;
}

export interface MemberView {
  memberId: string;
  clusterId: string;
  applicationId: string;
  status: MemberStatus;
  /** Its slot in the cluster (ZooKeeper's myid): a replacement inherits it. */
  sid: number;
  networkPartitionId: string;
  partitionId: string;
  driver: string;
  /** Process id or container id, once launched. */
  instanceId: string | null;
  /** The image it was launched from (its region's copy of an artifact, a baked image, the cartridge's); null for a local member or one launched before this was kept. */
  image: string | null;
  /** The revision of its cluster's spec it was launched from (ClusterView.revision: the current one). */
  clusterRevision: number;
  host: string | null;
  ports: PortBinding[];
  createdAt: string;
  statusChangedAt: string;
  health?: MemberHealth | null;
}

export interface ClusterView {
  clusterId: string;
  applicationId: string;
  alias: string;
  serviceName: string;
  /** '/' for the application's own cartridges, else the aliases of the enclosing groups. */
  groupPath: string[];
  status: ClusterStatus;
  minMembers: number;
  maxMembers: number;
  deploymentPolicy: string;
  /** Aliases (cartridge.x, group.y) that must be Active before this cluster starts. */
  startsAfter: string[];
  /** Its spec's revision: 0 at deploy, raised by each `stratos app upgrade` that changes what its members are launched from. */
  revision: number;
  members: MemberView[];
}

/** A group of a deployed application; its status follows its clusters (Stratos's group states). */
export interface GroupView {
  alias: string;
  /** Aliases of the enclosing groups, outermost first. */
  groupPath: string[];
  status: ClusterStatus;
}

export interface ApplicationRuntime {
  /** The deployment's key: the application's id, or `<application>~t<tenantId>` for a tenant's own. */
  applicationId: string;
  /** The tenant whose own deployment it is; null: the platform's. */
  tenantId: number | null;
  status: ApplicationStatus;
  policyId: string;
  deployedAt: string;
  groups: GroupView[];
  clusters: ClusterView[];
}

export interface MemberHealth {
  loadAverage: number;
  memoryConsumption: number;
  requestsInFlight?: number;
  timestamp: string;
}

export interface OperationView {
  operationId: string;
  kind: 'deploy' | 'undeploy' | 'bake' | 'upgrade';
  applicationId: string;
  status: 'running' | 'succeeded' | 'failed';
  message: string;
  startedAt: string;
  finishedAt: string | null;
}
