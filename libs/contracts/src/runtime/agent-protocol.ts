import { createHmac } from 'node:crypto';
/**
 * What the platform tells a member at launch (environment variables, Stratos's names) and
 * what its cartridge agent tells the controller back (MQTT). Defined once for both sides.
 */
import type { MemberHealth, PortBinding } from './runtime-views';

/** The launch payload: Stratos's keys, plus this platform's. `payload_parameter.X` properties arrive as X. */
export const LaunchKey = {
  applicationId: 'APPLICATION_ID',
  serviceName: 'SERVICE_NAME',
  clusterId: 'CLUSTER_ID',
  memberId: 'MEMBER_ID',
  cartridgeAlias: 'CARTRIDGE_ALIAS',
  ports: 'PORTS',
  multitenant: 'MULTITENANT',
  tenantId: 'TENANT_ID',
  networkPartitionId: 'NETWORK_PARTITION_ID',
  partitionId: 'PARTITION_ID',
  mbUrls: 'MB_URLS',
  mbUsername: 'MB_USERNAME',
  mbPassword: 'MB_PASSWORD',
  /** PEM: the only certificate the agent trusts for an mqtts:// broker in MB_URLS (the platform's own, pinned). */
  mbCaCert: 'MB_CA_CERT',
  /** The member's own address (a local member's 127.0.0.N): it serves its ports there. Absent: all of the host's. */
  memberIp: 'MEMBER_IP',
  /** Set by the driver: `cgroup` where the member is a container of its own (its statistics come from its cgroup); else they come from the agent's process tree. */
  memberResources: 'MEMBER_RESOURCES',
  /** JSON PortBinding[]: which host port serves each declared port. */
  portMappings: 'PORT_MAPPINGS',
  /** A shell command that runs the workload; none: the agent serves the declared ports itself. */
  startCommand: 'START_COMMAND',
  healthIntervalMs: 'HEALTH_INTERVAL_MS',
  /** A load balancer's: where its agent reads requests in flight per balanced cluster (`haproxy:/path/to/stats.sock`), reported with its health. */
  requestsInFlightFrom: 'REQUESTS_IN_FLIGHT_FROM',
  /** Seconds between MQTT keepalives (the broker sends the agent's Last Will after 1.5× this without a word). */
  mbKeepaliveS: 'MB_KEEPALIVE_S',
  /** Stratos's metadata API (…/api/metadata) and the application's token for it. */
  metadataServiceUrl: 'METADATA_SERVICE_URL',
  token: 'TOKEN',
  /** The API's certificate (PEM), where it is not one the member's system trusts: the agent writes it to METADATA_SERVICE_CA_FILE. */
  metadataServiceCaCert: 'METADATA_SERVICE_CA_CERT',
  /**
   * `generic`: the image brings no software of the cartridge's own; the bundle's provision/
   * steps install and set it up at boot. `configured`: the image is fully configured (baked);
   * provisioning is skipped. Default: generic when the bundle has provision/ steps.
   */
  imageKind: 'IMAGE_KIND',
  /** How long one provisioning step may run (seconds, default 600). */
  provisionStepTimeoutS: 'PROVISION_STEP_TIMEOUT_S',
  /** The sha256 of the cartridge's bundle, which the agent fetches (and checks) before anything else. */
  bundleSha256: 'BUNDLE_SHA256',
  readyTimeoutMs: 'READY_TIMEOUT_MS',
  /** The subscription's artifact repository (git): cloned into APPLICATION_PATH before the workload starts. */
  repoUrl: 'REPO_URL',
  repoUsername: 'REPO_USERNAME',
  repoPassword: 'REPO_PASSWORD',
  /** Stratos's: where the member's artifacts go (default /var/www). */
  applicationPath: 'APPLICATION_PATH',
  /** Seconds between pulls of the artifact repository besides the git hook's (default 60; 0: only on the hook). */
  artifactPullIntervalS: 'ARTIFACT_PULL_INTERVAL_S',
  /** The platform's git mirrors, "FROM=TO,…" (STRATOS_GIT_URL_REWRITES): git's url.TO.insteadOf=FROM. */
  gitUrlRewrites: 'GIT_URL_REWRITES',
  /**
   * "UID:GID": the unprivileged user the member's software runs as. An agent started as root
   * (in a container) gives that user the member's own folders, then becomes it before anything
   * of the cartridge runs. Absent: the agent stays who it was started as.
   */
  memberUser: 'STRATOS_MEMBER_USER',
  /** JSON string[]: the member's volumes (mapping paths), which the member user is given. */
  memberVolumes: 'STRATOS_MEMBER_VOLUMES',
  /**
   * Which instance of the member this is, where two run at once (a live migration's target, while
   * its source is frozen): its agent signs in with a client id and broker identity of its own and
   * says it in every event and health report, so the controller tells the two apart. Absent: the
   * member's first instance.
   */
  incarnation: 'STRATOS_INCARNATION',
  /**
   * `1`: the agent gets ready — signed in, its bundle unpacked — then says InstanceHeld and waits
   * for MemberTopics.control's start before anything touches its volumes (a live migration's
   * target, while the last of its data is copied), within READY_TIMEOUT_MS.
   */
  hold: 'STRATOS_HOLD',
} as const;

/** An incarnation (LaunchKey.incarnation): short, and safe in a broker user name and a client id. */
export const INCARNATION_PATTERN = /^[0-9a-f]{8,32}$/;

/** Stratos's TENANT_ID of the platform's own deployments (its super tenant). */
export const STRATOS_SUPER_TENANT_ID = '-1234';

export const AgentTopics = {
  events: (memberId: string) => `stratos/agents/${memberId}/events`,
  health: (memberId: string) => `stratos/agents/${memberId}/health`,
  /** An agent's requests to the controller (its bundle); answered on MemberTopics.replies. */
  requests: (memberId: string) => `stratos/agents/${memberId}/requests`,
  /** What a member exports to the clusters that depend on its own (its cluster's metadata properties). */
  exports: (memberId: string) => `stratos/agents/${memberId}/exports`,
  allEvents: 'stratos/agents/+/events',
  allHealth: 'stratos/agents/+/health',
  allRequests: 'stratos/agents/+/requests',
  allExports: 'stratos/agents/+/exports',
  /** The member id a topic belongs to, or null. */
  memberOf(topic: string): string | null {
    return /^stratos\/agents\/([^/]+)\/(events|health|requests|exports)$/.exec(topic)?.[1] ?? null;
  },
  /** Every topic a member may publish on: its own. */
  ownedBy(memberId: string): string[] {
    return [AgentTopics.events(memberId), AgentTopics.health(memberId), AgentTopics.requests(memberId), AgentTopics.exports(memberId)];
  },
} as const;

export const AgentEventType = {
  InstanceStarted: 'InstanceStarted',
  InstanceActivated: 'InstanceActivated',
  InstanceActivationFailed: 'InstanceActivationFailed',
  InstanceMaintenance: 'InstanceMaintenance',
  InstanceReadyToShutdown: 'InstanceReadyToShutdown',
  /** The agent's Last Will: the broker publishes it when the connection dies. */
  AgentDisconnected: 'AgentDisconnected',
  /** Not a state change: something the member did or noticed (config re-rendered, a check that failed). */
  MemberNotice: 'MemberNotice',
  /** The agent holds the new broker password it was sent (`switch: 'when-signed-out'`) for its next sign-in. */
  CredentialsReceived: 'CredentialsReceived',
  /** A multi-tenant member made a signed-up tenant ready (its folder, its artifacts) at `revision`. */
  TenantPrepared: 'TenantPrepared',
  /** A multi-tenant member could not prepare a tenant: `message` says why. */
  TenantPreparationFailed: 'TenantPreparationFailed',
  /** Launched on hold (LaunchKey.hold): ready, waiting for the controller's start. */
  InstanceHeld: 'InstanceHeld',
} as const;
export type AgentEventType = (typeof AgentEventType)[keyof typeof AgentEventType];

export interface AgentEvent {
  eventId: string;
  type: AgentEventType;
  memberId: string;
  clusterId: string;
  timestamp: string;
  message?: string;
  ports?: PortBinding[];
  /** MemberNotice only. */
  level?: 'info' | 'warning';
  /** TenantPrepared, TenantPreparationFailed: which tenant, at which revision of its sign-up. */
  tenantId?: number;
  revision?: number;
  /** CredentialsReceived: the rotation whose password the agent holds; MemberNotice: the rotation whose password it signed in again with. */
  rotationId?: string;
  /** The instance that says it, where it is not the member's first (LaunchKey.incarnation). */
  incarnation?: string;
  /**
   * Where it stands among its agent's events (event-order.ts): the agent process that sent it
   * (`run`, ordered by start) and its place in that run's events (`sequence`, from 1). Every event
   * but the Last Will carries them; the controller that applies it answers with an EventAck.
   */
  run?: string;
  sequence?: number;
}

/** What an agent asks the controller for: its cartridge's bundle, or a signed-up tenant's repository (with its credentials). */
export interface AgentRequest {
  requestId: string;
  memberId: string;
  kind: 'bundle' | 'tenant-artifacts';
  /** tenant-artifacts only. */
  tenantId?: number;
}

/** A tenant's repository for the asking member's cluster; null when the tenant gave none for it. */
export interface TenantArtifactsAnswer {
  repoUrl: string;
  repoUsername?: string;
  repoPassword?: string;
}

/**
 * Properties a member exports: what its provisioning steps and hooks wrote to $STRATOS_EXPORTS
 * (KEY=VALUE lines). They become its cluster's metadata properties, and so its dependents'
 * /links/<alias>/env/KEY.
 */
export interface AgentExports {
  memberId: string;
  clusterId: string;
  properties: { key: string; values: string[] }[];
}

/** `servedBy`: the id of the controller that answered (controllers share the agents' requests). */
export type AgentReply = (
  | { requestId: string; ok: true; sha256: string; /** base64 */ archive: string }
  | { requestId: string; ok: true; repository: TenantArtifactsAnswer | null }
  | { requestId: string; ok: false; error: string }
) & { servedBy?: string };

/**
 * A controller's word that an agent event is taken (applied, or known already): sent on the
 * member's replies topic. Until it comes the agent sends the event again and nothing after it.
 */
export interface EventAck {
  kind: 'event-ack';
  eventId: string;
  run: string;
  sequence: number;
  servedBy?: string;
}

/**
 * Sent on an interval. It also says where the agent stands, so that a controller that missed
 * an event (it was down, the broker restarted) learns the member's state from the next report.
 */
export type HealthReport = MemberHealth & {
  memberId: string;
  clusterId: string;
  state: 'starting' | 'active' | 'stopping';
  incarnation?: string;
  /** A load balancer's: requests in flight now to each cluster of its application that it balances, by the cluster's alias (LaunchKey.requestsInFlightFrom). */
  balanced?: { alias: string; requestsInFlight: number }[];
};

/** Who a member's agent is to the broker: the member, and the cluster whose metadata it may read. */
export interface MemberBrokerIdentity {
  memberId: string;
  clusterId: string;
  /** Which instance of the member (LaunchKey.incarnation); none: its first. Each has a broker identity of its own. */
  incarnation?: string | null;
}

/**
 * The broker user name of a member's agent (`member:<memberId>@<clusterId>`, and `#<incarnation>`
 * for an instance other than its first; neither id may contain "@" or "#"): it may publish on its
 * own topics only, and read its own and its cluster's.
 */
export const memberBrokerUser = ({ memberId, clusterId, incarnation }: MemberBrokerIdentity) => `member:${memberId}@${clusterId}${incarnation ? `#${incarnation}` : ''}`;

/** The member, cluster and incarnation a broker user name names, or null for one that is not a member's. */
export function parseMemberBrokerUser(username: string | undefined): MemberBrokerIdentity | null {
  const match = /^member:([^@#]+)@([^@#]+)(?:#([0-9a-f]{8,32}))?$/.exec(username ?? '');
  return match ? { memberId: match[1], clusterId: match[2], ...(match[3] ? { incarnation: match[3] } : {}) } : null;
}

/**
 * A member's broker password: an HMAC of its user name under the platform's member secret, so
 * the embedded broker checks it without a database, and one member cannot speak for another nor
 * claim another cluster.
 */
export function memberBrokerPassword(secret: string, identity: MemberBrokerIdentity): string {
  return createHmac('sha256', secret).update(memberBrokerUser(identity)).digest('base64url');
}

/**
 * A member's new broker password. While the embedded broker's member secret is rotated, the broker
 * itself sends it (`switch: 'now'`): the agent signs in again with it at once (a clean DISCONNECT,
 * so no Last Will). While an external broker's member passwords are rotated (Mosquitto's dynamic
 * security), the controller sends it (`switch: 'when-signed-out'`): the agent keeps it for its
 * next sign-in and says so (AgentEventType.CredentialsReceived); the controller then changes the
 * password on the broker, which signs the member out (without its Will), and the agent's reconnect
 * uses the new one. Only that member may read the topic.
 */
export interface MemberCredentialsMessage {
  password: string;
  switch: 'now' | 'when-signed-out';
  /** Which rotation sent it, said back in CredentialsReceived. */
  rotationId?: string;
}

/** The message, or null for anything else (an agent ignores what it cannot use). */
export function parseMemberCredentialsMessage(payload: string): MemberCredentialsMessage | null {
  try {
    const message = JSON.parse(payload) as unknown;
    if (typeof message !== 'object' || message === null) return null;
    const { password, switch: when, rotationId } = message as Record<string, unknown>;
    if (typeof password !== 'string' || !/^[A-Za-z0-9_-]{16,200}$/.test(password)) return null;
    if (when !== undefined && when !== 'now' && when !== 'when-signed-out') return null;
    if (rotationId !== undefined && (typeof rotationId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(rotationId))) return null;
    return { password, switch: when ?? 'now', ...(rotationId !== undefined ? { rotationId } : {}) };
  } catch {
    return null;
  }
}

/** What the agent writes, on its own line (`<time> agent: cannot start: <why>`), before it exits when the member cannot start. */
export const AGENT_CANNOT_START = 'cannot start: ';

/**
 * Why the agent said its member could not start (its last such line in the member's log: the
 * broker that did not answer, a bundle that did not arrive), or undefined. The controller adds
 * it to the reason a member whose instance ended is Lost: the cause, not only an exit code.
 */
export function agentStartFailure(log: string): string | undefined {
  const marker = ` agent: ${AGENT_CANNOT_START}`;
  const at = log.lastIndexOf(marker);
  if (at < 0) return undefined;
  const why = log.slice(at + marker.length).split('\n', 1)[0].trim();
  return why ? why.slice(0, 500) : undefined;
}
