/**
 * A member's launch recorded while its agent's first event is being applied, on a real
 * PostgreSQL and broker: the agent (already running) can be heard before the controller records
 * the instance it launched. The instance must be recorded all the same, and the member keep the
 * state its agent gave it: a member left without its instance is taken, at the next reconcile
 * pass, for one whose launch was interrupted — Lost, replaced, its instance an orphan (found at
 * 10,000 agents: 56 members).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ApplicationStatus, ClusterStatus, MemberStatus, TopologyEventType, type ClusterSpec } from '@stratos/contracts';
import { Database, type MemberEntity } from '@stratos/persistence';
import { ControllerSettings } from '../../apps/cloud-controller/src/controller-settings';
import { MetadataPublisher } from '../../apps/cloud-controller/src/metadata/metadata-publisher.service';
import { ControllerMetrics } from '../../apps/cloud-controller/src/metrics/controller-metrics.service';
import { MemberLifecycle } from '../../apps/cloud-controller/src/runtime/member-lifecycle.service';
import { TopologyPublisher } from '../../apps/cloud-controller/src/topology/topology-publisher.service';
import { startBroker, type TestBroker } from '../support/brokers';
import { createTestDatabase } from '../support/databases';
import { until } from '../support/platform';

/** The deployment and cluster a member row belongs to (the tables' keys). */
async function aDeployedCluster(database: Database): Promise<void> {
  const now = new Date();
  await database.runtime.insertDeployment({
    applicationId: 'app-race', definitionId: 'app-race', tenantId: null, policyId: 'ap-1', status: ApplicationStatus.Active,
    desired: true, force: false, operationId: '00000000-0000-4000-8000-000000000001', metadataToken: null, createdAt: now, updatedAt: now,
  });
  const spec: ClusterSpec = {
    cartridgeType: 'quiet', multiTenant: false, ports: [], payload: {}, volumes: [],
    placements: [{ networkPartitionId: 'np-1', partitionId: 'p-1', partitionMax: 2, provider: 'local', driver: 'local', imageId: 'agent' }],
    partitionAlgorithm: 'round-robin', applicationAlgorithm: 'all-at-once', termination: { behaviour: 'terminate-none', scope: 'app-race' },
  };
  await database.runtime.insertClusters([{
    clusterId: 'c-race', applicationId: 'app-race', alias: 'quiet', serviceName: 'quiet', groupPath: [], status: ClusterStatus.Active,
    minMembers: 1, maxMembers: 2, desiredMembers: null, deploymentPolicy: 'dp-1', startsAfter: [], spec, artifactRevision: 0, revision: 0, groupInstance: null, createdAt: now,
  }]);
}

function aMemberRow(memberId: string): MemberEntity {
  const now = new Date();
  return {
    memberId,
    clusterId: 'c-race',
    applicationId: 'app-race',
    status: MemberStatus.Created,
    sid: 1,
    networkPartitionId: 'np-1',
    partitionId: 'p-1',
    driver: 'local',
    instanceId: null,
    host: null,
    image: null,
    clusterRevision: 0,
    incarnation: null,
    ports: [],
    createdAt: now,
    statusChangedAt: now,
    activatedAt: null,
  };
}

describe("a member's launch recorded while its agent's event is applied", () => {
  let url: string;
  let database: Database;
  let broker: TestBroker;
  let home: string;
  let topology: TopologyPublisher;
  let metadata: MetadataPublisher;
  let lifecycle: MemberLifecycle;
  let admin: pg.Client;

  beforeAll(async () => {
    url = await createTestDatabase();
    database = await Database.open({ url, applicationName: 'launch-race-test' });
    broker = await startBroker('aedes');
    home = await mkdtemp(join(tmpdir(), 'stratos-launch-race-'));
    const settings = new ControllerSettings({ databaseUrl: url, mqttUrl: broker.url, home, agentEntry: 'unused', reconcileIntervalMs: 1000, memberStartTimeoutMs: 1000 });
    topology = new TopologyPublisher(database, settings, new ControllerMetrics(database));
    metadata = new MetadataPublisher(database, settings, topology);
    await topology.onApplicationBootstrap();
    metadata.onApplicationBootstrap();
    lifecycle = new MemberLifecycle(database, topology, metadata, settings);
    await aDeployedCluster(database);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await lifecycle?.onApplicationShutdown();
    await metadata?.onApplicationShutdown();
    await topology?.onApplicationShutdown();
    await database?.close();
    await broker?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const statusEvents = async (memberId: string) =>
    (await admin.query<{ payload: { member: { memberId: string; status: string } } }>(`SELECT payload FROM topology_events WHERE type = $1 ORDER BY revision`, [TopologyEventType.MemberStatusChanged])).rows
      .map((r) => r.payload.member)
      .filter((m) => m.memberId === memberId)
      .map((m) => m.status);

  it('records the instance and keeps Starting when the agent was heard between the read and the write', async () => {
    await database.runtime.insertMember(aMemberRow('m-race'));
    // The agent's Started being applied: its transaction holds the member's row.
    const agent = new pg.Client({ connectionString: url });
    await agent.connect();
    try {
      await agent.query('BEGIN');
      await agent.query(`SELECT status FROM members WHERE member_id = 'm-race' FOR UPDATE`);
      const launched = lifecycle.launched('m-race', { instanceId: 'pid-4242', host: '127.0.0.1', ports: [] });
      // The launch waits on that row (it read Created before, if it reads first) …
      await until('the launch waits on the member row', async () => {
        const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'launch-race-test'`);
        return rows.length > 0;
      }, 10_000);
      // … while the agent's event commits: Starting.
      await agent.query(`UPDATE members SET status = 'Starting', status_changed_at = now() WHERE member_id = 'm-race'`);
      await agent.query('COMMIT');
      const result = await launched;
      expect(result).toMatchObject({ status: MemberStatus.Starting, instanceId: 'pid-4242', host: '127.0.0.1' });
    } finally {
      await agent.end();
    }
    expect(await database.runtime.findMember('m-race')).toMatchObject({ status: MemberStatus.Starting, instanceId: 'pid-4242', host: '127.0.0.1' });
    // No transition of the launch's own: the member went no further back than its agent took it.
    expect(await statusEvents('m-race')).toEqual([]);
  });

  it('moves a Created member to Initialized with its instance, one event; a launch of a member gone answers null', async () => {
    await database.runtime.insertMember(aMemberRow('m-plain'));
    expect(await lifecycle.launched('m-plain', { instanceId: 'pid-1', host: '127.0.0.1', ports: [] })).toMatchObject({
      status: MemberStatus.Initialized,
      instanceId: 'pid-1',
    });
    expect(await statusEvents('m-plain')).toEqual([MemberStatus.Initialized]);
    expect(await lifecycle.launched('m-gone', { instanceId: 'pid-2', host: '127.0.0.1', ports: [] })).toBeNull();
  });
});
