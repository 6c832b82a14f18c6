/**
 * The one interface every IaaS driver implements (local processes, Docker, Swarm; VMs
 * later). A driver reports what really runs, so the reconciler can find losses and orphans;
 * everything a driver creates is labelled as the platform's, and nothing else is touched.
 */
import type { ContainerLimits, PortBinding } from '@stratos/contracts';

export interface LaunchSpec {
  memberId: string;
  clusterId: string;
  applicationId: string;
  /** Its slot in the cluster (sid): a replacement takes the slot, and the slot's volumes. */
  slot: number;
  /** The image the cartridge names for this provider. */
  imageId: string;
  /** The launch payload (Stratos's keys); the driver adds PORT_MAPPINGS. */
  env: Record<string, string>;
  ports: { name?: string; protocol: string; port: number }[];
  volumes?: { id: string; mappingPath: string; removeOnTermination?: boolean }[];
  /** What the instance may use (drivers that can hold it to that: docker). */
  limits?: ContainerLimits;
  /** Which nodes its partition allows (Swarm placement constraints, `node.labels.zone==a`); drivers of one host ignore them. */
  constraints?: string[];
}

export interface LaunchedInstance {
  instanceId: string;
  host: string;
  ports: PortBinding[];
}

export interface ActualInstance {
  instanceId: string;
  memberId: string;
  clusterId: string;
  applicationId: string;
  running: boolean;
  /** Why it stopped, where the driver knows (a container killed at its memory limit, an exit code). */
  stopReason?: string;
}

/** An engine's images, for copying them between regions. */
export interface ImageStore {
  /** Its id (sha256:…, the digest of its configuration: the same in every engine that has it) and size, or null where this engine has none by that name. */
  inspect(ref: string): Promise<{ id: string; sizeBytes: number } | null>;
  /** The image as a tar stream (docker save). */
  save(ref: string): Promise<NodeJS.ReadableStream>;
  /** Loads a tar stream (docker load); resolves once the engine has the image, rejects with the engine's reason. */
  load(tar: NodeJS.ReadableStream): Promise<void>;
  /** Removes the image by that name (its layers go when no other image has them). A name that is not there is fine. */
  remove(ref: string): Promise<void>;
  /** Stores whose images are folders (the local driver's): a host folder taken in, copied, as the image `ref`. */
  import?(source: string, ref: string): Promise<{ id: string; sizeBytes: number }>;
}

/** One slot's persistent volume of a cluster (what a member of that slot mounts). */
export interface VolumeRef {
  clusterId: string;
  slot: number;
  volumeId: string;
  /** An image the engine has (the member's): an engine reaches a volume's files through a container made from it, never started. */
  image: string;
}

export interface VolumeEntry {
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  /** Whole seconds, as a tar header has it. */
  mtimeS: number;
  /** Permission bits (07777). */
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
}

export interface VolumeWriteOptions {
  merge?: boolean;
  remove?: string[];
}

/**
 * A region's persistent volumes as tar streams of their contents (entries `./…`), for moving a
 * member's data to another region of the same driver.
 */
export interface VolumeStore {
  /**
   * The volume's contents; an empty archive where the volume has never been made. It may be read
   * while its member runs (a live migration's rounds): a file that changes meanwhile is taken as
   * it was read, and a later round takes it again.
   */
  read(ref: VolumeRef, options?: { only?: string[] }): Promise<NodeJS.ReadableStream>;
  /**
   * Where it is cheap (a folder): every entry of the volume (`a/b`; `.` its root) with what tells
   * a changed one (its identity, not its contents), so that a round reads only those (`only`:
   * those entries, a folder without what is in it). None: read() is the way to know.
   */
  list?(ref: VolumeRef): Promise<Map<string, VolumeEntry>>;
  /**
   * Replaces the volume's contents with the archive's (made if it is not there); with `merge`,
   * unpacks the archive over what is there, after removing the `remove` paths (relative, `a/b`).
   */
  write(ref: VolumeRef, tar: NodeJS.ReadableStream, options?: VolumeWriteOptions): Promise<void>;
  /** Removes that slot's volume (its data moved elsewhere). Gone already is fine. */
  remove(ref: VolumeRef): Promise<void>;
}

export interface IaasDriver {
  readonly name: string;
  /**
   * Drivers of another host's processes (a local region of that host, run by its controller): that
   * host's id, which its members record as where they were launched. None: this controller's host.
   */
  readonly hostId?: string;
  launch(spec: LaunchSpec): Promise<LaunchedInstance>;
  /** Stops gracefully (SIGTERM, then SIGKILL after graceMs; 0: SIGKILL at once, also to a frozen instance, which never runs again). An instance that is gone is fine. */
  terminate(instanceId: string, options: { graceMs: number }): Promise<void>;
  /**
   * Stops every process of the instance where it stands (SIGSTOP; a container's pause): it keeps
   * its memory and connections and does nothing until thawed or killed. A live migration's
   * source, while its last changes are copied and its target starts.
   */
  freeze?(instanceId: string): Promise<void>;
  /** Lets a frozen instance run on (a live migration rolled back). */
  thaw?(instanceId: string): Promise<void>;
  /** Every instance labelled as this platform's, running or not. */
  list(): Promise<ActualInstance[]>;
  /**
   * Drivers whose instances are processes of the controller's own host (local): whether this host
   * holds the member's instance. One it does not was launched by a controller on another host
   * (controllers with a STRATOS_HOME each): this controller does not find it gone for not listing
   * it (its agent's silence says whether it lives) and stops it through its agent
   * (MemberControlMessage `stop`), never by a pid of its own host.
   */
  holdsHere?(memberId: string): Promise<boolean>;
  /** Told when an instance this driver started stops (where it can know at once): the reconciler looks then, not at its next resync. */
  onInstanceExit?(listener: (instanceId: string) => void): void;
  /** Stops what the driver watches for onInstanceExit (an engine's event stream). */
  close?(): Promise<void>;
  imageExists(imageId: string): Promise<boolean>;
  /**
   * Drivers with more than one node (swarm): why no node can run a member under these placement
   * constraints now (none Ready and active that meets them), naming the nodes there are; null when
   * one can.
   */
  unplaceable?(constraints: readonly string[]): Promise<string | null>;
  /**
   * What the member's agent and workload wrote: the last `tailBytes` of it, or (with a cursor
   * from an earlier answer) what came after. The cursor is the driver's own (an offset, a time).
   */
  logs(instanceId: string, options: { tailBytes: number; cursor?: string }): Promise<{ text: string; cursor: string }>;
  /** Removes a cluster's persistent volumes of these ids, every slot's (undeploy, removeOnTermination). Safe to repeat. */
  removeVolumes(clusterId: string, volumeIds: string[]): Promise<void>;
  /** The volumes of its region, for moving a member's data between regions of one driver. */
  volumes?: VolumeStore;
  /** Drivers whose engine keeps images: what image artifacts are copied between (docker save → docker load). */
  images?: ImageStore;
  /** Whether what it drives answers now (an engine within a second, a folder that is there), and why not. */
  health?(): Promise<{ answers: boolean; reason?: string }>;
  /** Drivers whose instances are images: a fully configured image from a running instance (see BakeSpec). */
  bake?(instanceId: string, spec: BakeSpec): Promise<BakedImage>;
}

/**
 * What a bake takes from an instance: its file system without the paths excluded (the member's
 * own: agent state, bundle, rendered config, temporary files), with the configuration of the
 * image it started from — never the instance's environment (its credentials).
 */
export interface BakeSpec {
  /** repository:tag */
  image: string;
  /** Paths relative to `/`; a trailing `/*` takes a folder's contents and keeps the folder. */
  exclude: string[];
  labels: Record<string, string>;
}

export interface BakedImage {
  imageId: string;
  sizeBytes: number;
  sourceImage: string;
}

/** The PORT_MAPPINGS key the launch payload carries (LaunchKey.portMappings). */
export const PORT_MAPPINGS_KEY = 'PORT_MAPPINGS';
/** The member's own address, where it serves its ports (LaunchKey.memberIp); absent: every address of the host. */
export const MEMBER_IP_KEY = 'MEMBER_IP';
