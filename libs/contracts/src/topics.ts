import type { HealthReport } from './runtime/agent-protocol';

/**
 * Every MQTT topic of the platform, defined once. Requests are served by the cloud
 * controller with @nestjs/microservices (replies go to `<topic>/reply`); topology events
 * are published by the controller, QoS 1, one topic per event type under `stratos/topology/`.
 */
export const Topics = {
  /** Request/response: manager → cloud controller. */
  cartridges: {
    create: 'stratos/cc/cartridges/create',
    update: 'stratos/cc/cartridges/update',
    remove: 'stratos/cc/cartridges/remove',
    putBundle: 'stratos/cc/cartridges/bundle/put',
    getBundle: 'stratos/cc/cartridges/bundle/get',
    removeBundle: 'stratos/cc/cartridges/bundle/remove',
  },
  definitions: {
    create: 'stratos/cc/definitions/create',
    update: 'stratos/cc/definitions/update',
    remove: 'stratos/cc/definitions/remove',
    get: 'stratos/cc/definitions/get',
    list: 'stratos/cc/definitions/list',
  },
  metadata: {
    list: 'stratos/cc/metadata/list',
    add: 'stratos/cc/metadata/add',
    remove: 'stratos/cc/metadata/remove',
    memberTree: 'stratos/cc/metadata/member-tree',
  },
  repositories: {
    notify: 'stratos/cc/repositories/notify',
  },
  metrics: {
    controller: 'stratos/cc/metrics',
  },
  memberPasswords: {
    rotate: 'stratos/cc/member-passwords/rotate',
    rotation: 'stratos/cc/member-passwords/rotation',
  },
  iaas: {
    providers: 'stratos/cc/iaas/providers',
    regions: 'stratos/cc/iaas/regions',
  },
  artifacts: {
    create: 'stratos/cc/artifacts/create',
    list: 'stratos/cc/artifacts/list',
    get: 'stratos/cc/artifacts/get',
    distribute: 'stratos/cc/artifacts/distribute',
    remove: 'stratos/cc/artifacts/remove',
  },
  signups: {
    add: 'stratos/cc/signups/add',
    get: 'stratos/cc/signups/get',
    list: 'stratos/cc/signups/list',
    remove: 'stratos/cc/signups/remove',
  },
  tenants: {
    /**
     * A tenant was activated, deactivated or deleted: the trees of the applications it signed up to
     * are rebuilt, and its own deployments' members are suspended, resumed or stopped.
     */
    changed: 'stratos/cc/tenants/changed',
  },
  domainMappings: {
    add: 'stratos/cc/domain-mappings/add',
    list: 'stratos/cc/domain-mappings/list',
    remove: 'stratos/cc/domain-mappings/remove',
  },
  images: {
    bake: 'stratos/cc/images/bake',
    list: 'stratos/cc/images/list',
    remove: 'stratos/cc/images/remove',
  },
  applications: {
    deploy: 'stratos/cc/applications/deploy',
    undeploy: 'stratos/cc/applications/undeploy',
    scale: 'stratos/cc/applications/scale',
    upgrade: 'stratos/cc/applications/upgrade',
    migrate: 'stratos/cc/members/migrate',
    migration: 'stratos/cc/migrations/get',
    drain: 'stratos/cc/partitions/drain',
    drainStatus: 'stratos/cc/partitions/drain/get',
    uncordon: 'stratos/cc/partitions/uncordon',
    memberLogs: 'stratos/cc/members/logs',
    statistics: 'stratos/cc/applications/statistics',
    operation: 'stratos/cc/operations/get',
  },
  /**
   * A standing-by controller that served a shared request asks the leader for what only the leader
   * does (LeaderAsked: a reconcile pass, members' metadata trees rebuilt). QoS 1, no reply.
   */
  leader: {
    asked: 'stratos/cc/leader/asked',
  },
  /**
   * A host's local regions (`local:<region>=<folder>?host=<host-id>`): its own controller runs
   * their members' instances, the others ask it to (HostDriverRequest, QoS 1), and it answers on
   * the asker's reply topic.
   */
  hosts: {
    driver: (hostId: string) => `stratos/cc/hosts/${hostId}/driver`,
    replies: (controllerId: string) => `stratos/cc/hosts/replies/${controllerId}`,
    repliesPrefix: 'stratos/cc/hosts/replies/',
  },
  /**
   * One retained topic per cloud controller, `{"status":"online"}` while it is connected;
   * cleared (an empty retained message) when it stops, by its Last Will when it dies.
   */
  controllerPresence: {
    of: (controllerId: string) => `stratos/cc/presence/${controllerId}`,
    all: 'stratos/cc/presence/+',
  },
  topology: {
    prefix: 'stratos/topology/',
    all: 'stratos/topology/#',
  },
  /** Members' health as the controller writes it (MemberHealthBatch, QoS 0): not topology events, not stored. */
  health: {
    members: 'stratos/health/members',
    /**
     * One retained topic per manager, `{"watching":true}` while someone watches members' health on
     * it; cleared (an empty retained message) when nobody does, by its Last Will when it dies.
     * Controllers publish health batches only while one is set: unwatched, at 10,000 members, they
     * are megabytes a second for the broker to drop.
     */
    watchers: {
      of: (managerId: string) => `stratos/health/watchers/${managerId}`,
      all: 'stratos/health/watchers/+',
    },
  },
} as const;

export function topologyTopic(eventType: string): string {
  return `${Topics.topology.prefix}${eventType}`;
}

/** The groups of Topics whose topics are requests to the cloud controller (each answered on `<topic>/reply`). */
const requestGroups = [
  Topics.cartridges,
  Topics.definitions,
  Topics.applications,
  Topics.metadata,
  Topics.repositories,
  Topics.images,
  Topics.iaas,
  Topics.memberPasswords,
  Topics.artifacts,
  Topics.signups,
  Topics.tenants,
  Topics.domainMappings,
  Topics.metrics,
] as const;

/** Each group's own values (distributed over the union: `keyof` of a union is only the keys they share). */
type ValuesOf<T> = T extends unknown ? T[keyof T] : never;
export type RequestTopic = ValuesOf<(typeof requestGroups)[number]>;

/** Every request topic, once. */
export const requestTopics: readonly RequestTopic[] = [...new Set(requestGroups.flatMap((group) => Object.values(group) as RequestTopic[]))];

/**
 * Requests any controller serves, leading or standing by: they read and write the registry of
 * record and publish their own topology events (watchers fill a gap from the stored log, so two
 * publishers cannot make one miss an event) and touch nothing one controller holds in memory (the
 * reconciler's picture, the autoscaler's windows, a driver's running members); what they ask of
 * the leader's loops is sent to the leader (Topics.leader.asked). On a broker with
 * shared subscriptions every controller subscribes to them as `$share/<group>/<topic>`: the broker
 * gives each request to one of them. The rest are the leader's.
 */
export const sharedRequestTopics: ReadonlySet<RequestTopic> = new Set<RequestTopic>([
  ...Object.values(Topics.cartridges),
  // A definition's new bounds ask the leader for a pass (LeaderAsked).
  ...Object.values(Topics.definitions),
  // A property's change asks the leader to rebuild the members' trees.
  Topics.metadata.list,
  Topics.metadata.add,
  Topics.metadata.remove,
  Topics.signups.get,
  Topics.signups.list,
  Topics.domainMappings.list,
  Topics.artifacts.list,
  Topics.artifacts.get,
  Topics.images.list,
  Topics.applications.operation,
  // New bounds, or an undeploy: written, then the leader asked for a pass. (A deploy and an upgrade
  // plan with the drivers the serving controller has installed: the leader's.)
  Topics.applications.scale,
  Topics.applications.undeploy,
]);

/** What a standing-by controller asks of the leader (Topics.leader.asked). */
export interface LeaderAsked {
  /** A reconcile pass: desired members changed. */
  reconcile?: boolean;
  /** Applications whose members' metadata trees are to be rebuilt. */
  touched?: string[];
  /** Members whose agents it heard from (their health reports come to either controller): the leader's silence tracker hears them too. */
  heard?: string[];
  /** The health reports of Active members it took, for the leader's autoscaler windows (the latest of each member). */
  health?: RelayedHealth[];
  /** Agents' messages only the leader judges (from an instance other than its member's record: a live migration's target), as they came. */
  relayed?: { topic: string; payload: string }[];
}

/** An Active member's health report taken by a standing-by controller, with the member's application. */
export interface RelayedHealth {
  report: HealthReport;
  applicationId: string;
}

/** The controllers' share group: `$share/stratos-controllers/<topic>`. */
export const CONTROLLERS_SHARE_GROUP = 'stratos-controllers';

/** Where the controller answers a request (Nest's MQTT transport: the request's topic + `/reply`). */
export function replyTopic(topic: RequestTopic): string {
  return `${topic}/reply`;
}
