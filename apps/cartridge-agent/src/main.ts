/**
 * The cartridge agent: the process inside every member. It registers the member over MQTT
 * (with a Last Will that reports it gone), renders the member's config from its metadata tree
 * (when it has a confdir), starts the workload, waits for its ports, reports it active, keeps
 * the config following the tree, sends health statistics, and on SIGTERM reports
 * ready-to-shutdown and leaves. Credentials never reach a log line, a template or the workload.
 */
import { randomUUID } from 'node:crypto';
import { MemberStats, memberResourceReader } from './member-stats';
import { readBalancedLoad } from './balancer-stats';
import {
  AGENT_CANNOT_START,
  agentRunId,
  AgentEventType,
  AgentTopics,
  ClusterTopics,
  LaunchKey,
  MemberTopics,
  mergeMetadataTree,
  type AgentEvent,
  type ClusterMetadataMessage,
  type EventAck,
  type HealthReport,
  type MemberControlMessage,
  type MemberMetadataMessage,
  type MetadataTree,
} from '@stratos/contracts';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfdir } from '@stratos/templating';
import { brokerOf, connectToBrokers, IdentityRefusals, isIdentityRefusal, followCredentialRotation } from './broker-connection';
import { fetchBundle } from './bundle';
import { ConfigRenderer } from './config-renderer';
import { EXPORTS_PATH, Exporter } from './exports';
import { Artifacts } from './artifacts';
import { Extensions, memberEvents, memberVars } from './extensions';
import { provision } from './provisioning';
import { becomeMemberUser, STRATOS_STATE_PATH, type MemberFolders } from './member-user';
import { readLaunchPayload, type LaunchPayload } from './launch-payload';
import { waitForStart } from './hold';
import { startWorkload, waitForPorts, type Workload } from './workload';
import { askController } from './controller-requests';
import { EventOutbox, type OutboxEvent } from './event-outbox';
import { TenantHost } from './tenants';
import { TenantKeeper } from './tenant-keeper';

const SIGNAL_RACE_MS = 250;
/** How long the clean hook may take at shutdown (the controller's grace period is longer). */
const CLEAN_HOOK_MS = 8000;
/** How long a member whose activation failed waits for the controller to stop it. */
const FAILED_LINGER_MS = 30_000;

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} agent: ${line}\n`);

/** Waits for `work` at most `ms`; its failure or lateness is not the caller's problem. */
function within(ms: number, work: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    work.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

/** The folder holding node_modules above the agent's code. */
function agentHome(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'node_modules'))) return dir;
  return __dirname;
}

/** What the member user is given: its volumes, artifacts and agent state whole, the folders its templates write. */
function memberFolders(payload: LaunchPayload): MemberFolders {
  const trees = [...payload.volumes.map((v) => resolve(payload.root, `.${v}`)), join(payload.root, STRATOS_STATE_PATH)];
  if (payload.artifacts) trees.push(payload.artifacts.applicationPath);
  else if (payload.multiTenant) trees.push(payload.applicationPath); // where its tenants' folders go
  const folders = [join(payload.root, 'run')]; // pid files and sockets: a container's own /run
  try {
    if (payload.confdDir) folders.push(...loadConfdir(payload.confdDir).map((r) => dirname(resolve(payload.root, `.${r.dest}`))));
  } catch {
    // a broken confdir is reported where the templates are loaded
  }
  return { trees, folders };
}

async function main(): Promise<void> {
  const payload = readLaunchPayload(process.env);
  // Read once; nothing the agent starts (templates, check and reload commands, the workload) inherits them.
  delete process.env[LaunchKey.mbPassword];
  delete process.env[LaunchKey.repoPassword];
  // A second instance of the member (a live migration's target) says which it is, and signs in as itself.
  const incarnation = payload.incarnation ? { incarnation: payload.incarnation } : {};
  const event = (type: AgentEvent['type'], extra: Partial<OutboxEvent> = {}): OutboxEvent =>
    ({ eventId: randomUUID(), type, memberId: payload.memberId, clusterId: payload.clusterId, timestamp: new Date().toISOString(), ...incarnation, ...extra }) satisfies OutboxEvent;
  // This agent process among the member's: its events are numbered in it (event-outbox.ts).
  const run = agentRunId(Date.now(), randomUUID());
  const topic = AgentTopics.events(payload.memberId);
  const client = await connectToBrokers(payload.brokers, {
    username: payload.brokerUsername,
    password: payload.brokerPassword,
    // The platform's certificate is the pin: the broker's address (a gateway) need not be among its names.
    ...(payload.brokerCaCert ? { ca: payload.brokerCaCert, checkServerIdentity: () => undefined } : {}),
    clientId: `agent-${payload.memberId}${payload.incarnation ? `-${payload.incarnation}` : ''}`,
    keepalive: payload.keepaliveS,
    reconnectPeriod: 1000,
    // A refusal is tried again (mqtt.js gives up at the first by default): an identity not yet loaded at start (Mosquitto's
    // member files are read in batches) gets in once it is; one refused for good is IdentityRefusals' to judge.
    reconnectOnConnackError: true,
    connectTimeout: 5000,
    will: { topic, payload: Buffer.from(JSON.stringify(event(AgentEventType.AgentDisconnected))), qos: 1, retain: false },
    timeoutMs: payload.readyTimeoutMs,
    onError: (message) => log(`broker: ${message}`),
  });
  log(`member ${payload.memberId} of ${payload.clusterId} connected to the broker (${brokerOf(client)})`);
  // Back after a broker restart or a blip: say so at once (a health report), before the grace after its Last Will runs out.
  let reportHealth = () => undefined as void;
  client.on('connect', () => {
    log(`connected to the broker again (${brokerOf(client)})`);
    reportHealth();
  });
  // Its events go one at a time, each until a controller takes it (EventAck on its replies topic).
  const outbox = new EventOutbox(run, { publish: (json) => client.publish(topic, json, { qos: 1 }), log });
  const replies = MemberTopics.replies(payload.memberId);
  client.on('message', (received, message) => {
    if (received !== replies) return;
    try {
      const said = JSON.parse(message.toString()) as Partial<EventAck>;
      if (said.kind === 'event-ack') outbox.acked(said);
    } catch {
      // not an acknowledgement
    }
  });
  client.on('connect', () => outbox.connected());
  await client.subscribeAsync(replies, { qos: 1 });
  void outbox.send(event(AgentEventType.InstanceStarted));

  let workload: Workload | undefined;
  let stopping = false;
  let failed = false;
  let activated = false;
  // Health says active only once a controller took the activation: a report must not overtake the events sent before it (config rendered, …).
  let activationTaken = false;
  const stats = new MemberStats(memberResourceReader(payload.resources));
  const health = async () => {
    // A load balancer's requests in flight per cluster it balances (balancer-stats.ts); none while it is not up.
    const balanced = payload.requestsInFlightFrom && activated ? await readBalancedLoad(payload.requestsInFlightFrom) : null;
    const report: HealthReport = {
      memberId: payload.memberId,
      clusterId: payload.clusterId,
      state: stopping ? 'stopping' : activated && activationTaken ? 'active' : 'starting',
      // The member's own, never the host's (member-stats.ts).
      ...(({ loadPercent, memoryPercent }) => ({ loadAverage: loadPercent, memoryConsumption: memoryPercent }))(stats.sample()),
      timestamp: new Date().toISOString(),
      ...incarnation,
      ...(balanced ? { balanced } : {}),
    };
    client.publish(AgentTopics.health(payload.memberId), JSON.stringify(report), { qos: 0 });
  };
  reportHealth = () => void health(); // a reconnect while starting is said too
  // From the start, not from activation: a member provisioning for minutes is busy, not silent (the controller's quiet grace counts health).
  setInterval(() => void health(), payload.healthIntervalMs).unref();
  let extensions: Extensions | null = null;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    // Stratos's clean extension first (flush, deregister: the workload still runs), within the grace period; then ready to shut down.
    await within(CLEAN_HOOK_MS, extensions?.run('clean', { STRATOS_STOP_REASON: why }) ?? Promise.resolve());
    // Say so if the broker is there; a broker that is gone must not keep the member from stopping.
    await within(2000, outbox.send(event(AgentEventType.InstanceReadyToShutdown, { message: why })));
    outbox.close();
    await workload?.stop();
    await within(1000, client.endAsync());
    process.exit(code);
  };
  // An identity refused for a keepalive since it last worked was removed: its member was terminated while this agent was cut off.
  const refusals = new IdentityRefusals(Math.max(payload.keepaliveS * 1000, 3000));
  client.on('connect', () => refusals.connected());
  client.on('error', (error) => {
    if (!isIdentityRefusal(error) || !refusals.refused(Date.now())) return;
    void shutdown(`the broker has refused this member's identity since ${new Date(refusals.refusedSince!).toISOString()} (${error.message}): the platform removed it, as it does when it terminates the member`, 0);
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  // The controller's word, for an instance its driver cannot reach (it runs on another host): stop as at a SIGTERM. Its start (a hold's end) is waitForStart's.
  const control = MemberTopics.control(payload.memberId);
  client.on('message', (received, message) => {
    if (received !== control) return;
    try {
      const said = JSON.parse(message.toString()) as Partial<MemberControlMessage>;
      if (said.type === 'stop' && (said.incarnation ?? null) === (payload.incarnation ?? null)) void shutdown(`the controller stopped it${typeof said.reason === 'string' ? ` (${said.reason.slice(0, 500)})` : ''}`, 0);
    } catch {
      // not a control message
    }
  });
  await client.subscribeAsync(control, { qos: 1 });

  const notice = (level: 'info' | 'warning', message: string) => {
    log(`${level === 'warning' ? 'warning: ' : ''}${message}`);
    void outbox.send(event(AgentEventType.MemberNotice, { level, message }));
  };
  await followCredentialRotation(client, payload.memberId, {
    // Said once the agent holds it: the controller changes the password on the broker only then.
    received: (rotationId) => void outbox.send(event(AgentEventType.CredentialsReceived, rotationId ? { rotationId } : {})),
    switched: (rotationId) => {
      const message = 'signed in to the broker again with its new password (its broker password was rotated)';
      log(message);
      void outbox.send(event(AgentEventType.MemberNotice, { level: 'info', message, ...(rotationId ? { rotationId } : {}) }));
    },
  });
  /**
   * Reports why the member cannot start, then waits to be stopped: exiting at once would race
   * the report (the controller could find the process gone first and record only that).
   */
  const failActivation = async (why: string): Promise<never> => {
    if (failed) return new Promise<never>(() => undefined);
    log(why);
    failed = true;
    await within(2000, outbox.send(event(AgentEventType.InstanceActivationFailed, { message: why })));
    await workload?.stop();
    setTimeout(() => process.exit(1), FAILED_LINGER_MS);
    return new Promise<never>(() => undefined);
  };

  // Where the agent's own files are: a cartridge for the local driver may use programs the
  // platform installed beside it (the hello-db sample finds embedded PostgreSQL's there).
  process.env.STRATOS_AGENT_HOME ??= agentHome();
  // What provisioning, hooks and the workload export (KEY=VALUE lines), published to its cluster's metadata.
  process.env.STRATOS_EXPORTS = join(payload.root, EXPORTS_PATH);
  mkdirSync(dirname(process.env.STRATOS_EXPORTS), { recursive: true });
  // The API's certificate as a file, for curl --cacert, NODE_EXTRA_CA_CERTS and the like: the member's scripts post metadata with their TOKEN.
  if (payload.metadataServiceCaCert) {
    process.env.METADATA_SERVICE_CA_FILE = join(payload.root, STRATOS_STATE_PATH, 'metadata-service-ca.pem');
    mkdirSync(dirname(process.env.METADATA_SERVICE_CA_FILE), { recursive: true });
    writeFileSync(process.env.METADATA_SERVICE_CA_FILE, payload.metadataServiceCaCert, { mode: 0o644 });
  }
  const exporter = new Exporter({ client, memberId: payload.memberId, clusterId: payload.clusterId, path: process.env.STRATOS_EXPORTS, report: notice });

  // Its cartridge's files first, then its config: a member is not Active until both are there.
  if (payload.bundleSha256) {
    const started = Date.now();
    try {
      const dir = await fetchBundle({ client, memberId: payload.memberId, sha256: payload.bundleSha256, root: payload.root, timeoutMs: payload.readyTimeoutMs });
      process.env.BUNDLE_DIR = dir; // for templates, commands, hooks and the workload
      if (!payload.confdDir && existsSync(join(dir, 'confd'))) payload.confdDir = join(dir, 'confd');
      notice('info', `bundle ${payload.bundleSha256.slice(0, 12)} unpacked in ${Date.now() - started} ms`);
    } catch (error) {
      return failActivation(`bundle: ${(error as Error).message}`);
    }
  }
  // A live migration's target: ready (signed in, its bundle unpacked), it waits until the last of its
  // data is copied — nothing before this point touches its volumes, nothing after runs without them.
  if (payload.hold) {
    const heldAt = Date.now();
    try {
      await waitForStart({ client, memberId: payload.memberId, incarnation: payload.incarnation ?? null, timeoutMs: payload.readyTimeoutMs, held: async () => void outbox.send(event(AgentEventType.InstanceHeld)) });
    } catch (error) {
      return failActivation(`held: ${(error as Error).message}`);
    }
    log(`started after ${Date.now() - heldAt} ms on hold`);
  }
  // A multi-tenant member's tenants each get a user of their own: only a keeper forked now, while root, can make them.
  const keeper = payload.multiTenant && payload.memberUser && process.getuid?.() === 0 ? TenantKeeper.start() : null;
  // Root no longer than it takes to hand the member its folders: the cartridge's software runs as the member user.
  if (payload.memberUser) {
    try {
      const home = becomeMemberUser(payload.memberUser, memberFolders(payload), payload.root);
      if (home) {
        process.env.HOME = home;
        notice('info', `runs as the member user (uid ${payload.memberUser.uid})`);
      }
    } catch (error) {
      return failActivation(`member user: ${(error as Error).message}`);
    }
  }
  if (process.env.BUNDLE_DIR) {
    const steps = join(process.env.BUNDLE_DIR, 'provision');
    if (existsSync(steps) && payload.imageKind === 'configured') {
      notice('info', 'a fully configured image: provisioning skipped');
    } else if (existsSync(steps)) {
      const provisioningStarted = Date.now();
      try {
        const count = await provision({ dir: steps, cwd: payload.root, env: process.env, stepTimeoutMs: payload.provisionStepTimeoutMs, onStep: (step, ms) => notice('info', `provisioned: ${step} in ${ms} ms`) });
        notice('info', `provisioning done: ${count} step(s) in ${Date.now() - provisioningStarted} ms`);
      } catch (error) {
        return failActivation(`provisioning: ${(error as Error).message}`);
      }
    }
  }
  const hooks = Extensions.in(process.env.BUNDLE_DIR, { cwd: payload.root, report: notice });
  extensions = hooks;
  await hooks?.run('instance-started');

  // Its artifacts (the subscription's git repository), before its config and its workload.
  const artifacts = payload.artifacts
    ? new Artifacts({ repoUrl: payload.artifacts.repoUrl, username: payload.artifacts.username, password: payload.artifacts.password, dir: payload.artifacts.applicationPath, stateDir: join(payload.root, 'var/lib/stratos/agent'), urlRewrites: payload.artifacts.urlRewrites })
    : null;
  const artifactVars = (commit: string) => ({ STRATOS_ARTIFACT_REPO: artifacts!.displayUrl, STRATOS_ARTIFACT_COMMIT: commit, APPLICATION_PATH: process.env[LaunchKey.applicationPath] || '/var/www' });
  if (artifacts) {
    const started = Date.now();
    try {
      const commit = await artifacts.checkout();
      notice('info', `artifacts: ${artifacts.displayUrl} at ${commit.slice(0, 12)} checked out in ${Date.now() - started} ms`);
      await hooks?.run('artifacts-updated', artifactVars(commit));
    } catch (error) {
      return failActivation(`artifacts: ${(error as Error).message}`);
    }
  }
  /** A git hook moved the revision, or the interval passed: bring the checkout to the repository's HEAD. */
  const pullArtifacts = async (why: string) => {
    if (!artifacts || stopping) return;
    try {
      const { changed, commit } = await artifacts.update();
      if (!changed) return;
      notice('info', `artifacts: ${artifacts.displayUrl} updated to ${commit.slice(0, 12)} (${why})`);
      await hooks?.run('artifacts-updated', artifactVars(commit));
    } catch (error) {
      notice('warning', `artifacts not updated (${why}): ${(error as Error).message}`);
    }
  };
  if (artifacts && payload.artifacts!.pullIntervalMs > 0) setInterval(() => void pullArtifacts('interval'), payload.artifacts!.pullIntervalMs).unref();

  // A multi-tenant member's tenants: each signed-up tenant prepared (its folder, its artifacts) before the member is Active, then as they come and go.
  const tenants = payload.multiTenant
    ? new TenantHost({
        applicationPath: payload.applicationPath,
        stateDir: join(payload.root, 'var/lib/stratos/agent'),
        urlRewrites: payload.urlRewrites,
        ...(keeper && payload.memberUser && { keeper: { client: keeper, memberGid: payload.memberUser.gid } }),
        repositoryOf: async (tenantId) => {
          const answer = await askController(client, payload.memberId, { kind: 'tenant-artifacts', tenantId }, payload.readyTimeoutMs);
          if (!answer.ok) throw new Error(`the controller has no repository for tenant ${tenantId}: ${answer.error}`);
          if (!('repository' in answer)) throw new Error('the controller answered with something else than a repository');
          return answer.repository;
        },
        prepared: async (tenantId, revision, detail) => {
          log(detail);
          void outbox.send(event(AgentEventType.TenantPrepared, { tenantId, revision, message: detail }));
        },
        failed: async (tenantId, revision, why) => {
          log(`warning: tenant ${tenantId} not prepared: ${why}`);
          void outbox.send(event(AgentEventType.TenantPreparationFailed, { tenantId, revision, message: why }));
        },
        removed: (tenantId, domain) => notice('info', `tenant ${domain} (${tenantId}) removed: its folder and artifacts are gone`),
        updated: (tenantId, domain, commit) => notice('info', `tenant ${domain} (${tenantId}): artifacts updated to ${commit.slice(0, 12)}`),
        pullFailed: (tenantId, why) => notice('warning', `tenant ${tenantId}: artifacts not updated: ${why}`),
      })
    : null;
  if (tenants && payload.artifactPullIntervalMs > 0) {
    setInterval(() => void tenants.pull(), payload.artifactPullIntervalMs).unref();
  }

  // The metadata tree, for the config and the hooks: the first one before anything starts, then each change.
  let config: ConfigRenderer | null = null;
  if (payload.confdDir) {
    try {
      config = ConfigRenderer.load({ confdir: payload.confdDir, root: payload.root, destRoots: payload.destRoots, debounceMs: payload.debounceMs, env: process.env, report: notice });
    } catch (error) {
      return failActivation(`config templates: ${(error as Error).message}`);
    }
  }
  if (config || hooks || artifacts || tenants) {
    // Two retained parts (member-metadata.ts): the cluster's and the member's own; the tree is both, once both came.
    const ownTopic = MemberTopics.metadata(payload.memberId);
    const clusterTopic = ClusterTopics.metadata(payload.clusterId);
    const parts = new Map<string, { revision: number; tree: MetadataTree }>();
    let previous: { revision: number; tree: MetadataTree } | null = null;
    const first = await new Promise<{ revision: number; tree: MetadataTree } | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), payload.readyTimeoutMs);
      client.on('message', (topic, body) => {
        if ((topic !== ownTopic && topic !== clusterTopic) || body.length === 0) return; // empty: cleared, the member or its cluster is being removed
        let message: Partial<MemberMetadataMessage & ClusterMetadataMessage>;
        try {
          message = JSON.parse(body.toString()) as Partial<MemberMetadataMessage & ClusterMetadataMessage>;
        } catch {
          return log('ignored a metadata message that is not JSON');
        }
        const whose = topic === ownTopic ? message.memberId === payload.memberId : message.clusterId === payload.clusterId;
        if (!whose || typeof message.tree !== 'object' || message.tree === null || typeof message.revision !== 'number') return;
        if ((parts.get(topic)?.revision ?? -1) >= message.revision) return; // an older round, delivered late
        parts.set(topic, { revision: message.revision, tree: message.tree });
        const own = parts.get(ownTopic);
        const cluster = parts.get(clusterTopic);
        if (!own || !cluster) return;
        const current = { revision: Math.max(own.revision, cluster.revision), tree: mergeMetadataTree(cluster.tree, own.tree) };
        if (!previous) {
          previous = current;
          clearTimeout(timer);
          return resolve(current);
        }
        const before = previous.tree;
        previous = current;
        // Tenants before templates: a template that names a tenant's folder finds it there.
        void Promise.resolve(tenants?.sync(current.tree)).then(() => config?.update(tenants ? tenants.annotate(current.tree) : current.tree, current.revision));
        if (before['/artifacts/revision'] !== current.tree['/artifacts/revision']) void pullArtifacts('git hook');
        for (const { event: hook, member } of memberEvents(before, current.tree)) void hooks?.run(hook, memberVars(member));
      });
      for (const part of [ownTopic, clusterTopic]) void client.subscribeAsync(part, { qos: 1 }).catch((error: Error) => log(`cannot subscribe to ${part}: ${error.message}`));
    });
    if (!first) return failActivation(`no metadata from the controller within ${payload.readyTimeoutMs} ms`);
    await tenants?.sync(first.tree);
    if (config) {
      try {
        const changed = await config.renderAll(tenants ? tenants.annotate(first.tree) : first.tree, first.revision);
        notice('info', `config rendered (metadata revision ${first.revision}): ${changed.join(', ') || 'nothing changed'}`);
      } catch (error) {
        return failActivation(`config: ${(error as Error).message}`);
      }
    }
    await hooks?.run('complete-topology');
  }

  await hooks?.run('start-servers');
  await exporter.publish().catch((error: Error) => notice('warning', `exports not published: ${error.message}`));
  workload = startWorkload(payload);
  void workload.exited.then(async (why) => {
    // A SIGTERM to the member's whole process group can end the workload before this process
    // has run its own SIGTERM handler: give that a moment before calling the exit a failure.
    await new Promise((r) => setTimeout(r, SIGNAL_RACE_MS));
    if (stopping) return;
    if (!activated) return failActivation(why);
    failed = true;
    log(`${why}; the member is lost`);
    process.exit(1); // no clean disconnect: the Last Will tells the controller
  });
  try {
    await waitForPorts(payload.checkAddress, payload.ports, payload.readyTimeoutMs, !process.env[LaunchKey.memberIp]); // no MEMBER_IP: the whole address is the member's (a container)
  } catch (error) {
    return failActivation((error as Error).message);
  }
  if (failed) return; // what answers on the port is not this member's workload
  activated = true;
  void outbox.send(event(AgentEventType.InstanceActivated, { ports: payload.ports })).then((taken) => {
    activationTaken = taken;
    if (taken) void health(); // Active at once, not at the next interval
  });
  void Promise.resolve(hooks?.run('instance-activated'))
    .then(() => exporter.publish())
    .catch((error: Error) => notice('warning', `exports not published: ${error.message}`));
  log(`active on ${payload.ports.map((p) => `${p.port}→${p.hostPort}`).join(', ') || 'no ports'}`);
}

main().catch((error: unknown) => {
  log(`${AGENT_CANNOT_START}${(error as Error).message}`);
  process.exit(1);
});
