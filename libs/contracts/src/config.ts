import { readFileSync } from 'node:fs';

/**
 * The environment variables the platform's processes read, defined once, with pure parsers:
 * a bad value throws a ConfigError naming the variable, and the process stops with it.
 */
export const EnvVar = {
  home: 'STRATOS_HOME',
  databaseUrl: 'DATABASE_URL',
  mqttUrl: 'MQTT_URL',
  mqttPort: 'MQTT_PORT',
  apiHost: 'STRATOS_API_HOST',
  apiPort: 'STRATOS_API_PORT',
  rpcTimeoutMs: 'STRATOS_RPC_TIMEOUT_MS',
  bodyLimitBytes: 'STRATOS_BODY_LIMIT_BYTES',
  tokenTtlHours: 'STRATOS_TOKEN_TTL_HOURS',
  /** Signs each member's broker password (the embedded broker checks them). */
  memberSecret: 'STRATOS_MEMBER_SECRET',
  /** The broker URL agents are given, with agent credentials; default MQTT_URL's address. */
  agentMqttUrl: 'STRATOS_AGENT_MQTT_URL',
  reconcileIntervalMs: 'STRATOS_RECONCILE_INTERVAL_MS',
  /** Seconds a member may take from launch to Active before it is counted lost. */
  memberStartTimeoutS: 'STRATOS_MEMBER_START_TIMEOUT_S',
  /** Seconds a member removed by a scale-down stays out of every load balancer's tree (ReadyToShutDown) before it is told to stop. */
  memberDrainS: 'STRATOS_MEMBER_DRAIN_S',
  /** on: the external broker is Mosquitto with its dynamic-security plugin; the controller creates each member's own client there. */
  mqttDynsec: 'STRATOS_MQTT_DYNSEC',
  /** A folder where the controller keeps members' users in Mosquitto's password and ACL files (`passwd`, `acl`): identities for fleets dynamic security cannot make in time. */
  mqttMemberFiles: 'STRATOS_MQTT_MEMBER_FILES',
  /** Mosquitto's pid file: told (SIGHUP) to read the member files again. Required with STRATOS_MQTT_MEMBER_FILES. */
  mqttBrokerPidFile: 'STRATOS_MQTT_BROKER_PID_FILE',
  /** auto (default): use a Docker engine where one answers; on: require one; off: never. */
  docker: 'STRATOS_DOCKER',
  /** auto (default): the swarm driver where the default Docker engine is a swarm manager; off: never; unix:///…sock or tcp://host:port: that manager. */
  swarm: 'STRATOS_SWARM',
  /** The address the swarm's nodes reach the platform (its broker, its API) at; default: this host's address on the way to the manager. */
  swarmPlatformHost: 'STRATOS_SWARM_PLATFORM_HOST',
  /** Each swarm node's engine socket, as a job on that node mounts it to remove a cluster's volumes there (default /var/run/docker.sock; Swarm templates allowed). */
  swarmNodeSocket: 'STRATOS_SWARM_NODE_SOCKET',
  /** Regions beyond the default one: driver:region=endpoint, comma-separated (see parseRegions). */
  regions: 'STRATOS_REGIONS',
  /** The stratos-manager API's URL as members reach it (their METADATA_SERVICE_URL); npm start sets it. */
  advertiseUrl: 'STRATOS_ADVERTISE_URL',
  gitUrlRewrites: 'STRATOS_GIT_URL_REWRITES',
  /** Failed logins per user, and per client address, in STRATOS_LOGIN_WINDOW_S before POST /api/tokens answers 429. */
  loginFailuresPerUser: 'STRATOS_LOGIN_FAILURES_PER_USER',
  loginFailuresPerAddress: 'STRATOS_LOGIN_FAILURES_PER_ADDRESS',
  loginWindowS: 'STRATOS_LOGIN_WINDOW_S',
  /** auto (default): each local member in a filesystem of its own where bubblewrap runs; off: members share the host's. */
  localSandbox: 'STRATOS_LOCAL_SANDBOX',
  /** Hours a topology event is kept (the newest always is); a watcher resuming from before gets a snapshot. */
  eventRetentionHours: 'STRATOS_EVENT_RETENTION_HOURS',
  /** Days an entry of the audit log is kept. */
  auditRetentionDays: 'STRATOS_AUDIT_RETENTION_DAYS',
  /** Seconds between an agent's MQTT keepalives; a silent agent (Last Will) is Lost after 3× this. */
  agentKeepaliveS: 'STRATOS_AGENT_KEEPALIVE_S',
  /** A PEM file: the certificate (or CA) members trust for the API at STRATOS_ADVERTISE_URL; npm start: its own. */
  apiCaCert: 'STRATOS_API_CA_CERT',
  /** Seconds between an agent's health reports (Stratos: 15); an agent with no word for 3× this (and 3 keepalives) is Lost. */
  healthIntervalS: 'STRATOS_HEALTH_INTERVAL_S',
  /** Seconds between the autoscaler's evaluations of every cluster (0: no autoscaling). */
  scalingIntervalS: 'STRATOS_SCALING_INTERVAL_S',
  /** Seconds of statistics a prediction is made from. */
  scalingWindowS: 'STRATOS_SCALING_WINDOW_S',
  /** How far ahead a statistic is predicted, in seconds. */
  scalingHorizonS: 'STRATOS_SCALING_HORIZON_S',
  /** Seconds after a scaling decision before the next one for that cluster. */
  scalingCoolDownS: 'STRATOS_SCALING_COOLDOWN_S',
  /** Consecutive evaluations that must want fewer members before one is removed: more than this many. */
  scalingDownVotes: 'STRATOS_SCALING_DOWN_VOTES',
  /** fatal, error, warn, info (default), debug, trace or silent. */
  logLevel: 'LOG_LEVEL',
  /** json (one object per line) or pretty; default pretty on a terminal, json otherwise. */
  logFormat: 'LOG_FORMAT',
  /** The API's TLS certificate and key (PEM files); both or neither. */
  tlsCert: 'STRATOS_TLS_CERT',
  tlsKey: 'STRATOS_TLS_KEY',
  /** npm start without STRATOS_TLS_CERT: self-signed (default; a pair made in STRATOS_HOME/tls, trusted by fingerprint) or off (plain HTTP). */
  tls: 'STRATOS_TLS',
  /** A PEM file: the only certificate (or CA) the platform's processes and its members trust for an mqtts:// broker. */
  mqttCaCert: 'MQTT_CA_CERT',
  /** Members the embedded broker is trusted to carry (default 3,000, measured on 2 cores): a deploy beyond says to move to MQTT_URL. */
  embeddedBrokerAgents: 'STRATOS_EMBEDDED_BROKER_AGENTS',
  /** The first start's password for the user `admin` (at least 12 characters); unset: a random one, written to STRATOS_HOME/admin-credentials. */
  adminPassword: 'STRATOS_ADMIN_PASSWORD',
  /** The key sealing secrets at rest (32 bytes, base64), the same for every controller; unset: STRATOS_HOME/secret.key, made on first use. */
  secretKey: 'STRATOS_SECRET_KEY',
} as const;

/**
 * Settings that hold a secret, each of which may be given as a file instead — `NAME_FILE` names
 * it, as a Swarm or Kubernetes secret mounts it (the official postgres image's convention): the
 * value stays out of the environment a `docker inspect` shows.
 */
export const FILE_SETTINGS = [EnvVar.databaseUrl, EnvVar.mqttUrl, EnvVar.agentMqttUrl, EnvVar.memberSecret, EnvVar.adminPassword, EnvVar.secretKey] as const;

/**
 * Replaces each `NAME_FILE` of FILE_SETTINGS in `env` by `NAME`, the file's content (one trailing
 * line break dropped). Both given, an empty `NAME_FILE`, an unreadable or empty file: a ConfigError
 * naming the variable. A process calls it once, before reading its settings.
 */
export function applyFileSettings(env: Env, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): void {
  for (const name of FILE_SETTINGS) {
    const variable = `${name}_FILE`;
    if (!(variable in env)) continue;
    const file = env[variable]?.trim();
    if (!file) throw new ConfigError(variable, 'is empty: name the file that holds the value');
    if (env[name]?.trim()) throw new ConfigError(variable, `and ${name} are both set: give one`);
    let text: string;
    try {
      text = read(file);
    } catch (error) {
      throw new ConfigError(variable, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (!value.trim()) throw new ConfigError(variable, `${file} is empty`);
    env[name] = value;
    delete env[variable];
  }
}

/** The PEM in a file a variable names, or undefined where it names none; an unreadable or non-PEM file is a ConfigError. */
export function readPemFile(env: Env, variable: string): string | undefined {
  const file = env[variable]?.trim();
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(variable, `${file} holds no PEM certificate`);
  return text;
}

export const TLS_MODES = ['self-signed', 'off'] as const;

export const DEFAULT_API_PORT = 9443;

/**
 * What a cloud controller started by `npm start` tells its parent (an IPC message
 * `{type, host}`): the gateway of the platform's Docker member network, where the parent's
 * embedded broker must listen too for docker members to reach it.
 */
export const MEMBER_GATEWAY_MESSAGE = 'stratos:member-gateway';
/**
 * The name docker members reach the platform by (the gateway, in each container's /etc/hosts):
 * the self-signed certificate names it, so a member verifies the API by its name there as it
 * does on loopback. Under `.internal`, the top-level domain reserved for private use.
 */
export const PLATFORM_HOST_NAME = 'platform.stratos.internal';
/**
 * The controller tells npm start, as it stops, how many members each application has running
 * (from its last reconcile pass): a Ctrl-C reaches the embedded PostgreSQL at the same moment,
 * so the launcher cannot ask the database by then. `{ type, applications: { [id]: count } }`.
 */
export const MEMBERS_RUNNING_MESSAGE = 'stratos:members-running';
/**
 * What npm start tells its cloud controller when the home's member secret was rotated while it
 * runs (`{ type, secret }`, over the IPC channel only): new members' passwords come from it.
 */
export const MEMBER_SECRET_MESSAGE = 'stratos:member-secret';
export const DEFAULT_MQTT_PORT = 1883;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function readInteger(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < range.min || Number(value) > range.max) {
    throw new ConfigError(name, `must be an integer from ${range.min} to ${range.max}, got "${value}"`);
  }
  return Number(value);
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInteger(env, name, fallback, { min: 0, max: 65535 });
}

export function readUrl(env: Env, name: string, protocols: string[], options: { required: boolean }): string | undefined {
  const value = raw(env, name);
  if (value === undefined) {
    if (options.required) throw new ConfigError(name, `is required (a ${protocols.join(' or ')} URL)`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL (expected ${protocols.map((p) => `${p}//…`).join(' or ')})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, not ${url.protocol}`);
  }
  return value;
}

export function readChoice<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export const DATABASE_PROTOCOLS = ['postgres:', 'postgresql:'];
export const MQTT_PROTOCOLS = ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'];

/** A URL without its password, for log lines. */
export function safeUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
