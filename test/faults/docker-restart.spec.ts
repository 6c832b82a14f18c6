/**
 * The Docker engine restarted under running docker members — an engine of the test's own, never
 * the one other suites use: its containers stop with it, the controller rides out the engine's
 * absence, and once it answers again the members are replaced, with no container left over and
 * no gap in the topology log.
 */
import type { ApplicationRuntime } from '@stratos/contracts';
import { Label, platformIdOf } from '@stratos/iaas';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { gapFree, topologyRevisions } from '../support/databases';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { ownEngineAvailable, startOwnEngine, type OwnEngine } from '../support/second-engine';

const docker = dockerForTests() && ownEngineAvailable();

(docker ? describe : describe.skip)('the docker engine restarting', () => {
  let engine: OwnEngine;
  let platform: TestPlatform;

  beforeAll(async () => {
    engine = await startOwnEngine([AGENT_IMAGE]);
    platform = await startTestPlatform({ broker: 'aedes', docker: 'on', controllerProcess: true, dockerSocket: engine.socket });
    await platform.post('/networkPartitions', aNetworkPartition({ provider: 'docker', partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'boxed', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }] }));
    await platform.post('/applications', anApplication({ applicationId: 'boxed', components: { cartridges: [aSubscription('boxed', 'boxed-1', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    await engine?.stop();
  });

  it('replaces the members the restart stopped, and leaves no container behind', async () => {
    const activeOf = async () => {
      const response = await platform.api<ApplicationRuntime>('GET', '/applications/boxed/runtime');
      return response.status === 200 ? response.body.clusters[0].members.filter((m) => m.status === 'Active') : [];
    };
    await platform.post('/applications/boxed/deploy/ap-1', undefined, 202);
    const before = await until('boxed Active with 2 members', async () => ((await activeOf()).length === 2 ? activeOf() : undefined), 120_000);

    const downS = await engine.restart();
    const after = await until(
      'two new members Active after the engine came back',
      async () => {
        const active = await activeOf();
        return active.length === 2 && active.every((m) => !before.some((b) => b.memberId === m.memberId)) ? active : undefined;
      },
      120_000,
    );
    await platform.reconcilePasses(3); // the fence: the stopped containers are removed, nothing else starts
    const platformId = await platformIdOf(platform.home);
    const ours = () => engine.docker.listContainers({ all: true, filters: { label: [`${Label.platform}=${platformId}`] } });
    // A lost member whose container could not be removed while the engine was down leaves the record at once; its
    // container is the orphan sweep's once the engine answers (a pass or two more on a loaded machine).
    await until('no container but the live members’', async () => (await ours()).map((c) => c.Labels[Label.member]).sort().join() === after.map((m) => m.memberId).sort().join(), 30_000).catch(() => undefined);
    const containers = await ours();
    expect(containers.map((c) => c.Labels[Label.member]).sort()).toEqual(after.map((m) => m.memberId).sort());
    expect(containers.every((c) => c.State === 'running')).toBe(true);
    const revisions = await topologyRevisions(platform.databaseUrl);
    expect(revisions).toEqual(gapFree(revisions));
    process.stdout.write(`docker engine restart: down ${downS.toFixed(1)} s; 2 of 2 members replaced, ${containers.length} container(s) left, all of them live members\n`);
    await platform.post('/applications/boxed/undeploy', undefined, 202);
    await until('boxed undeployed', async () => (await platform.api('GET', '/applications/boxed/runtime')).status === 404, 60_000);
  }, 300_000);
});
