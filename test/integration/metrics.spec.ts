/**
 * Prometheus metrics at /metrics (an admin token): the manager's (HTTP and RPC latency) and the
 * cloud controller's (members by state, reconcile passes, agent events), both processes' own.
 */
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe('metrics', () => {
  let platform: TestPlatform;
  const scrape = async (token: string | null = platform.adminToken) => {
    const response = await fetch(`${platform.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const value = (text: string, series: RegExp) => Number(new RegExp(`^${series.source} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'counted', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'counted', components: { cartridges: [aSubscription('counted', 'counted-1', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it("counts members by state, reconcile passes, agent events, and the API's requests", async () => {
    await platform.post('/applications/counted/deploy/ap-1', undefined, 202);
    await until('counted Active', async () => (await platform.runtime('counted')).status === 'Active', 30_000);
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, /stratos_members\{state="Active",driver="local"\}/)).toBe(2);
    expect(value(text, /stratos_reconcile_pass_seconds_count/)).toBeGreaterThan(0);
    expect(value(text, /stratos_agent_events_total\{kind="events"\}/)).toBeGreaterThanOrEqual(4); // each member: started, activated
    expect(value(text, /stratos_http_request_seconds_count\{method="POST",route="\/api\/applications\/:id\/deploy\/:policyId",status="202"\}/)).toBe(1);
    expect(value(text, /stratos_rpc_seconds_count\{topic="applications\/deploy",outcome="ok"\}/)).toBe(1);
    expect(text).toMatch(/^stratos_manager_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^stratos_controller_process_resident_memory_bytes \d+/m);
    // Each process's broker connections are up, and its database pool is open.
    for (const [process, connection] of [['stratos-manager', 'controller-requests'], ['stratos-manager', 'topology-feed'], ['cloud-controller', 'agent-events'], ['cloud-controller', 'topology-publisher']]) {
      expect(value(text, new RegExp(`stratos_broker_connected\\{process="${process}",connection="${connection}"\\}`))).toBe(1);
    }
    for (const process of ['stratos-manager', 'cloud-controller']) {
      expect(value(text, new RegExp(`stratos_db_pool_connections\\{process="${process}",state="total"\\}`))).toBeGreaterThanOrEqual(1);
      expect(value(text, new RegExp(`stratos_db_pool_connections\\{process="${process}",state="waiting"\\}`))).toBe(0);
    }

    // After a kill, the gauge still equals the runtime view: the lost member gone, two Active again.
    const [victim] = (await platform.runtime('counted')).clusters[0].members;
    process.kill(-Number(victim.instanceId), 'SIGKILL');
    const runtime = await until('a replacement Active', async () => {
      const now = await platform.runtime('counted');
      const members = now.clusters[0].members;
      return members.filter((m) => m.status === 'Active').length === 2 && !members.some((m) => m.memberId === victim.memberId) ? now : undefined;
    });
    const after = (await scrape()).text;
    expect(value(after, /stratos_members\{state="Active",driver="local"\}/)).toBe(runtime.clusters[0].members.filter((m) => m.status === 'Active').length);
    const gaugeTotal = [...after.matchAll(/^stratos_members\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(gaugeTotal).toBe(runtime.clusters[0].members.length);
    await platform.post('/applications/counted/undeploy', undefined, 202);
    await until('counted gone', async () => (await platform.api('GET', '/applications/counted/runtime')).status === 404);
  });

  it('needs an admin token', async () => {
    expect((await scrape(null)).status).toBe(401);
  });
});
