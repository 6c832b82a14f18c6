import { accessSync, constants } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { IaasDriver } from '@stratos/iaas';
import { DATABASE_PROTOCOLS, DEFAULT_AGENT_KEEPALIVE_S, DEFAULT_HEALTH_INTERVAL_S, EMBEDDED_BROKER_AGENT_ENVELOPE, EnvVar, ConfigError, parseRegions, type RegionEndpoint, MQTT_PROTOCOLS, readChoice, readInteger, readPemFile, readString, readUrl, type Env } from '@stratos/contracts';
import { AUTOSCALING_DEFAULTS, type ScalingSettings } from './autoscaler/scaling-settings';

export const DEFAULT_EVENT_RETENTION_HOURS = 24 * 7;
/** Long enough for a load balancer to render its config without the member and reload (hello-lb: 1 s debounce, a reload in milliseconds). */
export const DEFAULT_MEMBER_DRAIN_S = 5;
/**
 * The periodic full resync. A pass also starts at once on what changes the picture — an agent's
 * event or Last Will, a deploy, an undeploy, a scale — so heal times do not depend on it.
 */
export const DEFAULT_RECONCILE_INTERVAL_MS = 10_000;

export interface ControllerConfig {
  /** The term of this controller's leadership, once it leads (startCloudController sets it): its member-making writes are fenced by it. */
  leadershipTerm?: number;
  /**
   * What this controller does now (startCloudController sets it): 'leader' serves every request and
   * runs the reconciler; 'standby' serves the shared requests only (sharedRequestTopics) while another leads.
   */
  role?: 'leader' | 'standby';
  /**
   * The controllers' share group where the broker has shared subscriptions (startCloudController
   * sets it), else null: the manager's shared requests and the agents' requests and exports are
   * subscribed as `$share/<group>/…` by every controller.
   */
  shareGroup?: string | null;
  /** This controller's name among controllers (the leadership table, the logs); default host-pid-random. */
  controllerId?: string;
  /** The host it runs on (STRATOS_HOME/host-id; startCloudController sets it): recorded on the members it launches. */
  hostId?: string;
  databaseUrl: string;
  mqttUrl: string;
  /** MQTT_CA_CERT's certificate: the one the controller and its members trust for an mqtts:// broker. */
  mqttCaCert?: string;
  /** Where the local driver keeps its member folders (STRATOS_HOME/members). */
  home: string;
  /** The cartridge agent's entry file, which the local driver runs in every member. */
  agentEntry: string;
  /** The key that seals secrets at rest (STRATOS_SECRET_KEY, 32 bytes); absent: home/secret.key. */
  secretKey?: Buffer;
  /** Signs member broker passwords; without it members get agentMqttUrl as it is. */
  memberSecret?: string;
  /** The broker URL members connect to; default: MQTT_URL without its credentials. */
  agentMqttUrl?: string;
  reconcileIntervalMs: number;
  memberStartTimeoutMs: number;
  /** How long a member removed by a scale-down is out of the load balancers' trees before it is stopped (default 5 s). */
  memberDrainMs?: number;
  /** auto: the docker driver where an engine answers; on: required; off: never. */
  docker?: 'auto' | 'on' | 'off';
  /** auto: the swarm driver where the default engine is a swarm manager (and docker is not off); off: never; an endpoint: that manager's engine. */
  swarm?: string;
  /** The address swarm nodes reach the platform at (default: found from the route to the manager). */
  swarmPlatformHost?: string;
  /** Each swarm node's engine socket, for the job that removes volumes there (default /var/run/docker.sock). */
  swarmNodeSocket?: string;
  /** The broker is Mosquitto with dynamic security: each member gets a client and a role of its own there. */
  mqttDynsec?: boolean;
  /** The broker is Mosquitto reading members' users from files the controller writes (STRATOS_MQTT_MEMBER_FILES); preferred over dynamic security for members. */
  mqttMemberFiles?: { dir: string; pidFile: string };
  /** auto: local members in a filesystem of their own where bubblewrap runs; off: they share the host's. */
  localSandbox?: 'auto' | 'off';
  /** The API's URL as members reach it: their launch payload's METADATA_SERVICE_URL. Unset: members get none. */
  advertiseUrl?: string;
  /** STRATOS_API_CA_CERT's certificate: what members trust for the API (METADATA_SERVICE_CA_CERT). */
  apiCaCert?: string;
  /** Seconds between an agent's keepalives; its Last Will makes it Lost only after 3× this without a word. Default 10. */
  agentKeepaliveS?: number;
  /** Seconds between an agent's health reports. Default 15 (Stratos's). */
  healthIntervalS?: number;
  /** The autoscaler's timing (AUTOSCALING_DEFAULTS where absent). */
  scaling?: Partial<ScalingSettings>;
  /** Topology events older than this go (the newest stays); default 168 (a week). */
  eventRetentionHours?: number;
  /** Git URL prefixes members fetch from instead (a mirror, offline): "FROM=TO,…", git's url.TO.insteadOf=FROM. */
  gitUrlRewrites?: string;
  /** Members the embedded broker carries before a deploy warns (EMBEDDED_BROKER_AGENT_ENVELOPE by default). */
  embeddedBrokerAgents?: number;
  /** Regions beyond the default one (STRATOS_REGIONS): a docker region is an engine, a local one a folder. */
  regions?: RegionEndpoint[];
  /** Drivers installed in place of the built-in ones of the same name (not from the environment: a benchmark's simulated fleet). */
  drivers?: Record<string, IaasDriver>;
}

/** STRATOS_GIT_URL_REWRITES: "FROM=TO" pairs, comma-separated, each side a URL prefix. */
export function readGitUrlRewrites(env: Env): string | undefined {
  const raw = env[EnvVar.gitUrlRewrites]?.trim();
  if (!raw) return undefined;
  for (const pair of raw.split(',')) {
    const [from, to, ...rest] = pair.split('=');
    if (rest.length || !from?.trim() || !to?.trim() || !/^[a-z][a-z0-9+.-]*:\/\//i.test(to.trim())) {
      throw new Error(`${EnvVar.gitUrlRewrites}: "${pair}" is not FROM=TO (two URL prefixes, e.g. https://github.com/=http://mirror.lan/github/)`);
    }
  }
  return raw;
}

/** STRATOS_SWARM: auto, off, or a manager's engine endpoint. */
export function readSwarm(env: Env): string {
  const raw = env[EnvVar.swarm]?.trim() || 'auto';
  if (raw === 'auto' || raw === 'off' || /^(unix:\/\/\/\S+|tcp:\/\/[^\s/:]+:\d{1,5})$/.test(raw)) return raw;
  throw new ConfigError(EnvVar.swarm, `"${raw}" is not auto, off or a swarm manager's engine (unix:///path/to/docker.sock or tcp://host:port)`);
}

/** STRATOS_SECRET_KEY: 32 bytes in base64 (`openssl rand -base64 32`), as STRATOS_HOME/secret.key holds them. */
export function readSecretKey(env: Env): Buffer | undefined {
  const raw = env[EnvVar.secretKey]?.trim();
  if (!raw) return undefined;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError(EnvVar.secretKey, 'must be 32 bytes in base64 (44 characters, e.g. from `openssl rand -base64 32`), as STRATOS_HOME/secret.key holds them');
  return key;
}

/** STRATOS_REGIONS, or the first thing wrong with it (which entry, and why). */
export function readRegions(env: Env): RegionEndpoint[] {
  const { regions, errors } = parseRegions(env[EnvVar.regions] ?? '');
  if (errors.length) throw new ConfigError(EnvVar.regions, `entry ${errors[0].path.slice(1)}: ${errors[0].message}${errors[0].allowed ? ` (one of ${errors[0].allowed.join(', ')})` : ''}`);
  return regions;
}

export function controllerConfigFrom(env: Env, defaults: { agentEntry: string }): ControllerConfig {
  return {
    databaseUrl: readUrl(env, EnvVar.databaseUrl, DATABASE_PROTOCOLS, { required: true })!,
    mqttUrl: readUrl(env, EnvVar.mqttUrl, MQTT_PROTOCOLS, { required: true })!,
    mqttCaCert: readPemFile(env, EnvVar.mqttCaCert),
    apiCaCert: readPemFile(env, EnvVar.apiCaCert),
    home: resolve(readString(env, EnvVar.home, '.stratos')),
    agentEntry: defaults.agentEntry,
    memberSecret: env[EnvVar.memberSecret] || undefined,
    secretKey: readSecretKey(env),
    agentMqttUrl: readUrl(env, EnvVar.agentMqttUrl, MQTT_PROTOCOLS, { required: false }),
    reconcileIntervalMs: readInteger(env, EnvVar.reconcileIntervalMs, DEFAULT_RECONCILE_INTERVAL_MS, { min: 50, max: 600_000 }),
    memberStartTimeoutMs: readInteger(env, EnvVar.memberStartTimeoutS, 120, { min: 1, max: 3600 }) * 1000,
    memberDrainMs: readInteger(env, EnvVar.memberDrainS, DEFAULT_MEMBER_DRAIN_S, { min: 0, max: 3600 }) * 1000,
    agentKeepaliveS: readInteger(env, EnvVar.agentKeepaliveS, DEFAULT_AGENT_KEEPALIVE_S, { min: 1, max: 600 }),
    healthIntervalS: readInteger(env, EnvVar.healthIntervalS, DEFAULT_HEALTH_INTERVAL_S, { min: 1, max: 600 }),
    scaling: {
      intervalS: readInteger(env, EnvVar.scalingIntervalS, AUTOSCALING_DEFAULTS.intervalS, { min: 0, max: 3600 }),
      windowS: readInteger(env, EnvVar.scalingWindowS, AUTOSCALING_DEFAULTS.windowS, { min: 1, max: 3600 }),
      horizonS: readInteger(env, EnvVar.scalingHorizonS, AUTOSCALING_DEFAULTS.horizonS, { min: 0, max: 3600 }),
      coolDownS: readInteger(env, EnvVar.scalingCoolDownS, AUTOSCALING_DEFAULTS.coolDownS, { min: 0, max: 3600 }),
      scaleDownVotes: readInteger(env, EnvVar.scalingDownVotes, AUTOSCALING_DEFAULTS.scaleDownVotes, { min: 0, max: 1000 }),
    },
    eventRetentionHours: readInteger(env, EnvVar.eventRetentionHours, DEFAULT_EVENT_RETENTION_HOURS, { min: 1, max: 24 * 3650 }),
    docker: readChoice(env, EnvVar.docker, ['auto', 'on', 'off'] as const, 'auto'),
    swarm: readSwarm(env),
    swarmPlatformHost: env[EnvVar.swarmPlatformHost]?.trim() || undefined,
    swarmNodeSocket: env[EnvVar.swarmNodeSocket]?.trim() || undefined,
    mqttDynsec: readChoice(env, EnvVar.mqttDynsec, ['on', 'off'] as const, 'off') === 'on',
    mqttMemberFiles: readMemberFiles(env),
    localSandbox: readChoice(env, EnvVar.localSandbox, ['auto', 'off'] as const, 'auto'),
    advertiseUrl: readUrl(env, EnvVar.advertiseUrl, ['http:', 'https:'], { required: false }),
    gitUrlRewrites: readGitUrlRewrites(env),
    regions: readRegions(env),
    embeddedBrokerAgents: readInteger(env, EnvVar.embeddedBrokerAgents, EMBEDDED_BROKER_AGENT_ENVELOPE, { min: 1, max: 10_000_000 }),
  };
}

/** STRATOS_MQTT_MEMBER_FILES (a folder the controller may write) with STRATOS_MQTT_BROKER_PID_FILE, or neither. */
export function readMemberFiles(env: Env): { dir: string; pidFile: string } | undefined {
  const dir = readString(env, EnvVar.mqttMemberFiles, '');
  const pidFile = readString(env, EnvVar.mqttBrokerPidFile, '');
  if (!dir) {
    if (pidFile) throw new ConfigError(EnvVar.mqttBrokerPidFile, `is only used with ${EnvVar.mqttMemberFiles}`);
    return undefined;
  }
  if (!isAbsolute(dir)) throw new ConfigError(EnvVar.mqttMemberFiles, `must be an absolute path (the folder Mosquitto's password_file and acl_file are in), got "${dir}"`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new ConfigError(EnvVar.mqttMemberFiles, `the controller cannot write in ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!pidFile) throw new ConfigError(EnvVar.mqttBrokerPidFile, `is required with ${EnvVar.mqttMemberFiles}: Mosquitto's pid file, so that the broker is told to read the member files again`);
  return { dir, pidFile };
}
