/**
 * The metadata tree a member sees (QingCloud's shape, so that confd templates written for it
 * run as they are), and how it reaches the member's agent. The controller is the writer: it
 * publishes each member's whole tree, retained, on the member's own topic whenever anything in
 * it changes; the agent subscribes with its own broker identity, so a reconnecting agent gets
 * the latest tree at once and no member can read another's.
 */

/** Flat keys (`/hosts/web-1a2b/ip`) to values: what confd's key/value store holds. */
export type MetadataTree = Record<string, string>;

export interface MemberMetadataMessage {
  memberId: string;
  /** Increases with every round of trees the controller publishes (a PostgreSQL sequence: also across restarts). */
  revision: number;
  tree: MetadataTree;
}

/** Topics the controller publishes for one member; only that member may subscribe to them. */
export const MemberTopics = {
  metadata: (memberId: string) => `stratos/members/${memberId}/metadata`,
  /** The controller's answers to the member's requests (AgentTopics.requests). */
  replies: (memberId: string) => `stratos/members/${memberId}/replies`,
  /** Everything under a member's own prefix (what its broker identity may subscribe to). */
  prefix: (memberId: string) => `stratos/members/${memberId}/`,
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
