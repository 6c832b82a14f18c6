/**
 * Each tenant a user of its own inside a multi-tenant container member: the tenant keeper (the
 * one part of the member that stays root) makes the tenant's folder its user's (uid 200,000 +
 * tenant id, group the member's, mode 0750) and clones its repository as that user; the agent
 * and the workload run as the member user; a removed sign-up's folder goes. Needs a Docker engine
 * and the Debian cartridge image (npm run images); says why it skips where they are not (CI fails).
 */
import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { CONTAINER_MEMBER_UID, memberNetworkName, platformIdOf } from '@stratos/iaas';
import type { MemberView } from '@stratos/contracts';
import { imageAvailable } from '../support/docker';
import { startGitServer, type GitServer } from '../support/git-server';
import { memberFiles } from '../support/member-files';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const TENANT_UID_BASE = 200_000;
const runs = imageAvailable('per-tenant users in a multi-tenant container member');

(runs ? describe : describe.skip)('per-tenant users in a multi-tenant container member', () => {
  let platform: TestPlatform;
  let git: GitServer;
  let tenantId: number;
  let member: MemberView;
  // As the member user: the container's root has no power to override file modes (a multi-tenant container keeps none), so it could not look into a tenant's folder; the member's group reads it.
  const inMember = (command: string) => spawnSync('docker', ['exec', '--user', `${CONTAINER_MEMBER_UID}:${CONTAINER_MEMBER_UID}`, member.instanceId!, 'sh', '-c', command], { encoding: 'utf8' }).stdout.trim();

  beforeAll(async () => {
    git = await startGitServer(undefined, { host: '0.0.0.0' });
    git.createRepository('acme.git', { 'index.html': 'acme in a container\n' });
    platform = await startTestPlatform({ broker: 'aedes', docker: 'on', memberStartTimeoutMs: 90_000 });
    tenantId = (await platform.post('/tenants', { tenantDomain: 'acme.com', admin: 'boss', adminPassword: 'boss-admin-password', email: 'boss@acme.com' })).tenant.tenantId;
    await platform.post('/networkPartitions', aNetworkPartition({ provider: 'docker', partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 2 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post(
      '/cartridges',
      aCartridge({
        type: 'mt-web',
        multiTenant: true,
        portMapping: [{ name: 'http', protocol: 'http', port: 8080 }],
        iaasProvider: [{ type: 'docker', imageId: 'stratos/debian-cartridge:latest' }],
        property: [
          { name: 'payload_parameter.APPLICATION_PATH', value: '/srv/www' },
          { name: 'payload_parameter.ARTIFACT_PULL_INTERVAL_S', value: '1' },
          { name: 'payload_parameter.START_COMMAND', value: 'mkdir -p /srv/www/tenants && exec busybox httpd -f -p 8080 -h /srv/www/tenants' },
        ],
      }),
    );
    await platform.post('/applications', anApplication({ applicationId: 'portal', components: { cartridges: [aSubscription('mt-web', 'web', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications/portal/deploy/ap-1', undefined, 202);
    await until('portal Active', async () => (await platform.runtime('portal')).status === 'Active', 120_000);
    member = (await platform.runtime('portal')).clusters[0].members[0];
  }, 180_000);
  afterAll(async () => {
    if (platform) {
      await platform.api('POST', '/applications/portal/undeploy?force=true');
      await until('portal undeployed', async () => (await platform.api('GET', '/applications/portal/runtime')).status === 404, 60_000).catch(() => undefined);
      await platform.stop();
    }
    await git?.close();
  });

  it("makes the tenant's folder its own user's, clones its repository as that user, and serves it as the member user", async () => {
    const network = await new Docker().getNetwork(memberNetworkName(await platformIdOf(platform.home))).inspect();
    const gateway = (network as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0].Gateway;
    const repoUrl = `${git.url.replace('127.0.0.1', gateway)}/acme.git`;
    expect((await platform.api('POST', '/applications/portal/signup/acme.com', { body: { artifactRepositories: [{ alias: 'web', repoUrl }] } })).status).toBe(201);
    const signUp = await until('acme Active', async () => {
      const now = (await platform.api('GET', '/applications/portal/signup/acme.com')).body;
      if (now.problems?.length) throw new Error(`members could not prepare the tenant: ${JSON.stringify(now.problems)}`);
      return now.status === 'Active' ? now : undefined;
    }, 60_000);
    expect(signUp.clusters[0]).toMatchObject({ activeMembers: 1, prepared: 1 });
    const folder = `/srv/www/tenants/${tenantId}`;
    expect(inMember(`stat -c '%u %g %a' ${folder}`)).toBe(`${TENANT_UID_BASE + tenantId} ${CONTAINER_MEMBER_UID} 750`);
    expect(inMember(`stat -c '%u' ${folder}/index.html ${folder}/.git`)).toBe(`${TENANT_UID_BASE + tenantId}\n${TENANT_UID_BASE + tenantId}`);
    // Served by the member's software, as the member user, from the tenant's folder.
    expect(inMember(`busybox wget -q -O - http://127.0.0.1:8080/${tenantId}/index.html`)).toBe('acme in a container');
    // Root: only the keeper (a node process); the agent and the web server are the member user's.
    const processes = memberFiles('docker', platform.home).processes(member);
    expect(processes.filter((p) => p.uid === 0).map((p) => p.command)).toEqual(['node']);
    expect(processes.filter((p) => p.uid === CONTAINER_MEMBER_UID).map((p) => p.command).sort()).toEqual(['busybox', 'node']);
    // Of root's capabilities the container keeps the keeper's three: handing folders to users, and becoming them.
    const { HostConfig } = await new Docker().getContainer(member.instanceId!).inspect();
    expect([HostConfig.CapDrop, [...(HostConfig.CapAdd ?? [])].sort()]).toEqual([['ALL'], ['CHOWN', 'SETGID', 'SETUID']]);
    // So even root in the container does not read a tenant's files (no override of their mode).
    const asRoot = spawnSync('docker', ['exec', '--user', '0', member.instanceId!, 'cat', `${folder}/index.html`], { encoding: 'utf8' });
    expect([asRoot.status, asRoot.stderr]).toEqual([1, expect.stringContaining('Permission denied')]);

    // A push reaches the checkout on the pull interval, still as the tenant's user.
    git.commit('acme.git', { 'index.html': 'acme, version 2\n' }, 'second');
    await until('version 2 in the container', async () => inMember(`cat ${folder}/index.html`) === 'acme, version 2', 30_000);
    expect(inMember(`stat -c '%u' ${folder}/index.html`)).toBe(`${TENANT_UID_BASE + tenantId}`);

    expect((await platform.api('DELETE', '/applications/portal/signup/acme.com')).status).toBe(200);
    await until("the tenant's folder gone", async () => inMember(`[ -e ${folder} ] && echo there || echo gone`) === 'gone', 30_000);
  });

  it("labels a tenant's own deployment's containers with the tenant", async () => {
    await platform.post('/cartridges', aCartridge({ type: 'st-web', portMapping: [], iaasProvider: [{ type: 'docker', imageId: 'stratos/debian-cartridge:latest' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'solo', components: { cartridges: [aSubscription('st-web', 'web', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    const token = (await platform.api('POST', '/tokens', { token: null, body: { username: 'boss@acme.com', password: 'boss-admin-password' } })).body.token as string;
    expect((await platform.api('POST', '/applications/solo/deploy/ap-1', { token })).status).toBe(202);
    const own = await until('acme\'s solo Active', async () => {
      const runtime = (await platform.api('GET', '/applications/solo/runtime', { token })).body;
      return runtime.status === 'Active' ? runtime : undefined;
    }, 90_000);
    const container = own.clusters[0].members[0].instanceId as string;
    const labels = (await new Docker().getContainer(container).inspect()).Config.Labels;
    expect([labels['org.stratos.tenant'], labels['org.stratos.application']]).toEqual([String(tenantId), `solo~t${tenantId}`]);
    expect((await new Docker().getContainer(member.instanceId!).inspect()).Config.Labels['org.stratos.tenant']).toBeUndefined(); // the platform's own
    expect((await platform.api('POST', '/applications/solo/undeploy?force=true', { token })).status).toBe(202);
    await until("acme's solo gone", async () => (await platform.api('GET', '/applications/solo/runtime', { token })).status === 404, 60_000);
  });
});
