import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { ConfdKey, DEFAULT_CONFD_DIR, INCARNATION_PATTERN, LaunchKey, type PortBinding } from '@stratos/contracts';
import { parseBrokerUrls, type BrokerAddress } from './broker-connection';
import { parseMemberUser, type MemberUser } from './member-user';
import { parseRequestsInFlightSource, type RequestsInFlightSource } from './balancer-stats';

export interface LaunchPayload {
  applicationId: string;
  serviceName: string;
  clusterId: string;
  memberId: string;
  alias: string;
  /** Stratos's MB_URLS: brokers to try in turn. */
  brokers: BrokerAddress[];
  brokerUsername?: string;
  brokerPassword?: string;
  /** The broker's certificate (MB_CA_CERT), trusted alone for mqtts:// brokers. */
  brokerCaCert?: string;
  /** The API's certificate, for what the member sends to METADATA_SERVICE_URL. */
  metadataServiceCaCert?: string;
  ports: PortBinding[];
  /** Where it serves its ports (its own address), and where the agent checks them. */
  bindAddress: string;
  checkAddress: string;
  startCommand?: string;
  healthIntervalMs: number;
  /** A load balancer's: where it reads requests in flight per balanced cluster. */
  requestsInFlightFrom?: RequestsInFlightSource;
  /** Where its statistics come from: its container's cgroup, or (a local member, sharing the host's) the agent's process tree. */
  resources: 'cgroup' | 'process tree';
  /** Seconds between MQTT keepalives. */
  keepaliveS: number;
  /** Which instance of the member this is, where it is not its first (a live migration's target). */
  incarnation?: string;
  /** Ready, then wait for the controller's start before touching the volumes (LaunchKey.hold). */
  hold: boolean;
  readyTimeoutMs: number;
  /** The member's root folder (`/` in a container). */
  root: string;
  /** Its confdir, when it has templates to render (named; else the bundle's confd/, else the image's). */
  confdDir?: string;
  /** The cartridge's bundle, to fetch and check. */
  bundleSha256?: string;
  /** generic: run the bundle's provision/ steps; configured: skip them. */
  imageKind: 'generic' | 'configured';
  provisionStepTimeoutMs: number;
  destRoots: string[];
  debounceMs: number;
  /** Its artifacts: a git repository cloned into applicationPath (inside root), pulled on the hook and on an interval. */
  /** The unprivileged user its software runs as (an agent started as root becomes it). */
  memberUser: MemberUser | null;
  /** Its volumes' mapping paths (absolute, inside root). */
  volumes: string[];
  artifacts?: { repoUrl: string; username?: string; password?: string; applicationPath: string; pullIntervalMs: number; urlRewrites: [string, string][] };
  /** A multi-tenant cartridge's member: it prepares each signed-up tenant under applicationPath/tenants/<id>. */
  multiTenant: boolean;
  /** APPLICATION_PATH, inside root. */
  applicationPath: string;
  /** The platform's git mirrors, [from, to]. */
  urlRewrites: [string, string][];
  /** Between pulls of artifact repositories (the subscription's, and each tenant's); 0: none. */
  artifactPullIntervalMs: number;
}

/** Reads the launch payload from the environment; a missing key is a clear error. */
export function readLaunchPayload(env: NodeJS.ProcessEnv): LaunchPayload {
  const need = (key: string) => {
    const value = env[key];
    if (!value) throw new Error(`the launch payload has no ${key}`);
    return value;
  };
  let ports: PortBinding[] = [];
  if (env[LaunchKey.portMappings]) {
    try {
      ports = JSON.parse(env[LaunchKey.portMappings]!) as PortBinding[];
    } catch {
      throw new Error(`${LaunchKey.portMappings} is not JSON`);
    }
  }
  const root = resolve(env[ConfdKey.root] || '/');
  const named = env[ConfdKey.confdDir];
  const confdDir = named ? (isAbsolute(named) ? named : resolve(root, named)) : root === '/' && existsSync(DEFAULT_CONFD_DIR) ? DEFAULT_CONFD_DIR : undefined;
  const bundleSha256 = env[LaunchKey.bundleSha256] || undefined;
  if (bundleSha256 !== undefined && !/^[0-9a-f]{64}$/.test(bundleSha256)) throw new Error(`${LaunchKey.bundleSha256} is not a sha256`);
  const debounceMs = Number(env[ConfdKey.debounceMs] ?? 250);
  if (!Number.isInteger(debounceMs) || debounceMs < 0) throw new Error(`${ConfdKey.debounceMs} must be a whole number of milliseconds`);
  const imageKind = env[LaunchKey.imageKind] || 'generic';
  if (imageKind !== 'generic' && imageKind !== 'configured') throw new Error(`${LaunchKey.imageKind} must be generic or configured, not "${imageKind}"`);
  const stepTimeoutS = Number(env[LaunchKey.provisionStepTimeoutS] ?? 600);
  if (!Number.isInteger(stepTimeoutS) || stepTimeoutS < 1) throw new Error(`${LaunchKey.provisionStepTimeoutS} must be a whole number of seconds`);
  const pullIntervalS = Number(env[LaunchKey.artifactPullIntervalS] ?? 60);
  if (!Number.isFinite(pullIntervalS) || pullIntervalS < 0) throw new Error(`${LaunchKey.artifactPullIntervalS} must be a number of seconds (0: only on the git hook)`);
  const applicationPath = env[LaunchKey.applicationPath] || '/var/www';
  if (!isAbsolute(applicationPath) || applicationPath.split('/').includes('..')) throw new Error(`${LaunchKey.applicationPath} must be an absolute path without "..", not "${applicationPath}"`);
  const artifacts = env[LaunchKey.repoUrl]
    ? { repoUrl: env[LaunchKey.repoUrl]!, username: env[LaunchKey.repoUsername] || undefined, password: env[LaunchKey.repoPassword] || undefined, applicationPath: resolve(root, `.${applicationPath}`), pullIntervalMs: pullIntervalS * 1000, urlRewrites: urlRewrites(env[LaunchKey.gitUrlRewrites]) }
    : undefined;
  let volumes: string[] = [];
  if (env[LaunchKey.memberVolumes]) {
    const parsed: unknown = JSON.parse(env[LaunchKey.memberVolumes]!);
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string' && isAbsolute(v) && !v.split('/').includes('..'))) throw new Error(`${LaunchKey.memberVolumes} must be a JSON list of absolute paths`);
    volumes = parsed as string[];
  }
  return {
    multiTenant: env[LaunchKey.multitenant] === 'true',
    artifactPullIntervalMs: pullIntervalS * 1000,
    applicationPath: resolve(root, `.${applicationPath}`),
    urlRewrites: urlRewrites(env[LaunchKey.gitUrlRewrites]),
    root,
    confdDir,
    memberUser: parseMemberUser(env[LaunchKey.memberUser]),
    volumes,
    artifacts,
    bundleSha256,
    imageKind,
    provisionStepTimeoutMs: stepTimeoutS * 1000,
    destRoots: (env[ConfdKey.destRoots] ?? '').split(',').map((r) => r.trim()).filter(Boolean),
    debounceMs,
    applicationId: need(LaunchKey.applicationId),
    serviceName: need(LaunchKey.serviceName),
    clusterId: need(LaunchKey.clusterId),
    memberId: need(LaunchKey.memberId),
    alias: env[LaunchKey.cartridgeAlias] ?? '',
    brokers: parseBrokerUrls(need(LaunchKey.mbUrls)),
    brokerUsername: env[LaunchKey.mbUsername] || undefined,
    brokerPassword: env[LaunchKey.mbPassword] || undefined,
    brokerCaCert: env[LaunchKey.mbCaCert] || undefined,
    metadataServiceCaCert: env[LaunchKey.metadataServiceCaCert] || undefined,
    ports,
    bindAddress: env[LaunchKey.memberIp] || '0.0.0.0',
    checkAddress: env[LaunchKey.memberIp] || '127.0.0.1',
    startCommand: env[LaunchKey.startCommand] || undefined,
    healthIntervalMs: Number(env[LaunchKey.healthIntervalMs] ?? 5000),
    ...(env[LaunchKey.requestsInFlightFrom] ? { requestsInFlightFrom: parseRequestsInFlightSource(env[LaunchKey.requestsInFlightFrom]!) } : {}),
    resources: env[LaunchKey.memberResources] === 'cgroup' ? 'cgroup' : 'process tree',
    keepaliveS: Number(env[LaunchKey.mbKeepaliveS] ?? 10),
    incarnation: incarnationOf(env[LaunchKey.incarnation]),
    hold: env[LaunchKey.hold] === '1',
    readyTimeoutMs: Number(env[LaunchKey.readyTimeoutMs] ?? 60_000),
  };
}

/** GIT_URL_REWRITES "FROM=TO,…" as [from, to] pairs (the controller checked their shape). */
function urlRewrites(raw: string | undefined): [string, string][] {
  return (raw ?? '')
    .split(',')
    .map((pair) => pair.split('=').map((side) => side.trim()))
    .filter((sides): sides is [string, string] => sides.length === 2 && Boolean(sides[0]) && Boolean(sides[1]));
}

function incarnationOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!INCARNATION_PATTERN.test(value)) throw new Error(`${LaunchKey.incarnation} must be 8 to 32 lowercase hex digits, not "${value}"`);
  return value;
}
