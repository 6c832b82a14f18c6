/**
 * The metadata tree a member sees (QingCloud's shape, so that confd templates written for it
 * run as they are), and how it reaches the member's agent. The controller is the writer and
 * publishes it in two retained parts whenever one changes: what every member of a cluster sees
 * alike (its peers under /hosts, /cluster, /env, /links, /artifacts) once per cluster, on the
 * cluster's topic, and what is the member's own (/host) on the member's topic. The agent
 * subscribes to both with its own broker identity and merges them: a reconnecting agent gets
 * the latest tree at once, no member can read another cluster's, and a change to a cluster of
 * n members is one message, not n messages of n hosts each.
 */

/** Flat keys (`/hosts/web-1a2b/ip`) to values: what confd's key/value store holds. */
export type MetadataTree = Record<string, string>;

/** The member's own part of its tree: the /host keys. */
export interface MemberMetadataMessage {
  memberId: string;
  /** Increases with every round of trees the controller publishes (a PostgreSQL sequence: also across restarts). */
  revision: number;
  tree: MetadataTree;
}

/** What every member of the cluster sees alike: the tree but its /host keys. */
export interface ClusterMetadataMessage {
  clusterId: string;
  /** The same sequence as MemberMetadataMessage's. */
  revision: number;
  tree: MetadataTree;
}

/** A member's whole tree: its cluster's part and its own (its own /host keys are the only ones the two could share, and they are its own). */
export const mergeMetadataTree = (cluster: MetadataTree, own: MetadataTree): MetadataTree => ({ ...cluster, ...own });

/** Topics the controller publishes for one member; only that member may subscribe to them. */
export const MemberTopics = {
  metadata: (memberId: string) => `stratos/members/${memberId}/metadata`,
  /** The controller's answers to the member's requests (AgentTopics.requests). */
  replies: (memberId: string) => `stratos/members/${memberId}/replies`,
  /** Its new broker password while the member secret or the member passwords are rotated (MemberCredentialsMessage). */
  credentials: (memberId: string) => `stratos/members/${memberId}/credentials`,
  /** What the controller tells an agent launched on hold (LaunchKey.hold): MemberControlMessage. */
  control: (memberId: string) => `stratos/members/${memberId}/control`,
  /** Everything under a member's own prefix (what its broker identity may subscribe to). */
  prefix: (memberId: string) => `stratos/members/${memberId}/`,
} as const;

/**
 * What the controller tells the instance of that incarnation, on its control topic: `start`, go
 * on from the hold (a live migration's target, once its data is whole); `stop`, stop as at a
 * SIGTERM (a member on another host, which this controller's driver cannot reach: see
 * IaasDriver.holdsHere).
 */
export interface MemberControlMessage {
  type: 'start' | 'stop';
  incarnation: string | null;
  /** stop: why, said in the member's log. */
  reason?: string;
}

/** Topics the controller publishes for a cluster; only its members may subscribe to them. */
export const ClusterTopics = {
  metadata: (clusterId: string) => `stratos/clusters/${clusterId}/metadata`,
} as const;

/** Stratos's launch-payload names for where a member's config templates are. */
export const ConfdKey = {
  /** A confdir (conf.d/*.toml + templates/) inside the member; default /etc/stratos/confd when the member's root is the image's. */
  confdDir: 'CONFD_DIR',
  /** The member's root: absolute `dest` paths and data live under it (a local member's own folder; `/` in a container). */
  root: 'STRATOS_ROOT',
  /** The folders under the root that templates may write to (comma-separated; default: the whole root). */
  destRoots: 'CONFD_DEST_ROOTS',
  /** How long the agent waits for a burst of metadata changes to end before it re-renders. */
  debounceMs: 'CONFD_DEBOUNCE_MS',
} as const;

/** The image's own confdir, used when the payload names none. */
export const DEFAULT_CONFD_DIR = '/etc/stratos/confd';
