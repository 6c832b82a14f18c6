/**
 * deploy/swarm/stack.yml as a user runs it, on a two-node Swarm of the test's own
 * (test/support/swarm.ts): `stratos stack secrets`, `docker stack deploy`, then the CLI logs in
 * through HAProxy at the manager node's address, imports the samples for swarm and deploys the
 * three-tier hello, whose members run as Swarm services on the nodes. The platform's own
 * processes may die: a manager killed, the API still answers (HAProxy, the other manager); the
 * leading controller killed, the standby leads and the undeploy finishes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Label } from '@stratos/iaas';
import type { ApplicationRuntime } from '@stratos/contracts';
import { DEBIAN_CARTRIDGE_IMAGE, dockerForTests, imageAvailable, PLATFORM_IMAGE } from '../support/docker';
import { ownSwarmAvailable, startOwnSwarm, type OwnSwarm } from '../support/swarm';
import { runCli, ROOT } from '../support/cli';
import { until } from '../support/platform';

const runs = dockerForTests() !== null && ownSwarmAvailable() && imageAvailable('the Swarm stack', PLATFORM_IMAGE) && imageAvailable('the hello sample on the Swarm stack');

(runs ? describe : describe.skip)('the platform as a Swarm stack (deploy/swarm/stack.yml)', () => {
  let swarm: OwnSwarm;
  let cliHome: string;
  let env: Record<string, string>;
  let adminPassword: string;
  let fingerprint: string;
  const docker = (args: string[], extra: Record<string, string> = {}) => {
    const result = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_HOST: swarm.endpoint, ...extra } });
    if (result.status !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr || result.stdout}`);
    return result.stdout.trim();
  };
  const cli = (args: string[], timeoutMs = 60_000) => runCli(args, { env, timeoutMs });
  const containersOf = async (service: string) => (await swarm.manager.docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=stratos_${service}`] } })).concat(await swarm.worker.docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=stratos_${service}`] } }));
  const runtime = async () => JSON.parse((await cli(['app', 'runtime', 'hello', '-o', 'json'])).stdout) as ApplicationRuntime;

  beforeAll(async () => {
    swarm = await startOwnSwarm([PLATFORM_IMAGE, DEBIAN_CARTRIDGE_IMAGE]);
    cliHome = await mkdtemp(join(tmpdir(), 'stratos-stack-cli-'));
    env = { STRATOS_CLI_CONFIG: join(cliHome, 'cli.json'), DOCKER_HOST: swarm.endpoint };
    const made = await cli(['stack', 'secrets', '--public-host', swarm.manager.address, '--json']);
    expect({ code: made.code, stderr: made.stderr }).toEqual({ code: 0, stderr: '' });
    ({ adminPassword, fingerprint } = JSON.parse(made.stdout) as { adminPassword: string; fingerprint: string });
    // The services name the image by id: a node has it loaded, and asks no registry.
    const imageId = spawnSync('docker', ['image', 'inspect', PLATFORM_IMAGE, '--format', '{{.Id}}'], { encoding: 'utf8' }).stdout.trim();
    docker(['stack', 'deploy', '--resolve-image', 'never', '-c', join(ROOT, 'deploy', 'swarm', 'stack.yml'), 'stratos'], {
      STRATOS_PLATFORM_IMAGE: imageId,
      STRATOS_PUBLIC_HOST: swarm.manager.address,
      // The test swarm's engines are not at /var/run/docker.sock: each node's socket is a file of this host's.
      STRATOS_DOCKER_SOCKET: swarm.manager.socket,
      STRATOS_NODE_SOCKET: swarm.nodeSocket,
    });
    const login = () => runCli(['login', '--url', `https://${swarm.manager.address}:9443`, '--fingerprint', fingerprint, '--password-stdin'], { env, input: adminPassword, timeoutMs: 15_000 });
    await until('the CLI logs in through HAProxy (the stack up)', async () => (await login()).code === 0, 240_000);
  }, 600_000);
  afterAll(async () => {
    await swarm?.stop();
    if (cliHome) await rm(cliHome, { recursive: true, force: true });
  }, 120_000);

  it('makes its secrets once, never showing them where Swarm shows a service', async () => {
    const again = await cli(['stack', 'secrets', '--public-host', swarm.manager.address]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('every secret of the stack exists already: nothing made');
    const specs = docker(['service', 'inspect', 'stratos_manager', 'stratos_controller', 'stratos_postgres', 'stratos_mosquitto']);
    expect(specs).not.toContain(adminPassword);
    expect(specs).toContain('/run/secrets/stratos_database_url');
    expect(specs).not.toMatch(/postgres:\/\/stratos:[^@]+@/);
    // Two managers and two controllers, each task running.
    for (const service of ['manager', 'controller']) await until(`two ${service}s running`, async () => (await containersOf(service)).length === 2, 60_000);
  });

  it('lets PostgreSQL be reached over TLS only (its connections cross the overlay network)', async () => {
    const [postgres] = await containersOf('postgres');
    // No password is given (-w): the server's pg_hba.conf refuses a connection without TLS before any, and asks one over TLS.
    const psql = (sslmode: string) => spawnSync('docker', ['exec', postgres.Id, 'psql', '-w', `host=127.0.0.1 dbname=stratos user=stratos sslmode=${sslmode}`, '-c', 'SELECT 1'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, DOCKER_HOST: swarm.endpoint } });
    const clear = psql('disable');
    expect({ code: clear.status, stderr: clear.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('no encryption') });
    const tls = psql('require');
    expect({ code: tls.status, stderr: tls.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('no password supplied') });
  });

  it('deploys the hello sample through it: members as Swarm services, the load balancer serving both web members', async () => {
    const imported = await cli(['import', join(ROOT, 'samples'), '--iaas', 'swarm']);
    expect(imported.stderr).toContain('0 refused');
    const deployed = await cli(['app', 'deploy', 'hello', '--policy', 'single-machine', '--wait'], 180_000);
    expect({ code: deployed.code, output: deployed.stdout + deployed.stderr }).toEqual({ code: 0, output: expect.stringContaining('deployed in') });
    const rt = await runtime();
    const members = rt.clusters.flatMap((c) => c.members);
    expect(members).toHaveLength(4);
    for (const member of members) {
      expect(member.driver).toBe('swarm');
      expect([swarm.manager.address, swarm.worker.address]).toContain(member.host);
    }
    const services = (await swarm.manager.docker.listServices({ filters: { label: [Label.member] } })) as unknown[];
    expect(services).toHaveLength(4);
    const web = rt.clusters.find((c) => c.alias === 'hello-web')!.members;
    const [lb] = rt.clusters.find((c) => c.alias === 'hello-lb')!.members;
    const url = `http://${lb.host}:${lb.ports.find((p) => p.port === 8000)!.hostPort}/cgi-bin/hello`;
    const seen = new Set<string>();
    await until('both web members answer through the load balancer, counting the database\'s rows', async () => {
      const text = await fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.text(), () => '');
      const match = /^hello from (\S+): 1 greetings in hello at /.exec(text);
      if (match) seen.add(match[1]);
      return web.every((m) => seen.has(m.memberId));
    }, 60_000);
  }, 300_000);

  it("goes on when a manager and the leading controller die: the API answers through the other manager, the standby leads, the undeploy finishes", async () => {
    // A manager's task killed: every request meanwhile is answered (HAProxy retries on the other one); Swarm starts another task.
    const [victim] = await containersOf('manager');
    const node = (await swarm.manager.docker.listContainers()).some((c) => c.Id === victim.Id) ? swarm.manager : swarm.worker;
    await node.docker.getContainer(victim.Id).kill();
    for (let i = 0; i < 10; i++) {
      const listed = await cli(['cartridge', 'list', '--json'], 20_000);
      expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    }
    await until('Swarm replaced the manager', async () => (await containersOf('manager')).filter((c) => c.Id !== victim.Id).length === 2, 60_000);

    // The leading controller killed (its container, as a node's loss would): the standby leads within seconds.
    const controllers = await containersOf('controller');
    const logsOf = async (id: string) => (await swarm.manager.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 400 })).toString();
    const leader = await until('the leading controller', async () => {
      for (const c of controllers) if ((await logsOf(c.Id)).includes("leading the platform's controllers")) return c;
      return undefined;
    }, 30_000);
    const standby = controllers.find((c) => c.Id !== leader.Id)!;
    await swarm.manager.docker.getContainer(leader.Id).kill();
    await until('the standby leads', async () => (await logsOf(standby.Id)).includes("leading the platform's controllers"), 30_000);
    const undeployed = await cli(['app', 'undeploy', 'hello', '--wait'], 120_000);
    expect({ code: undeployed.code, output: undeployed.stdout + undeployed.stderr }).toEqual({ code: 0, output: expect.stringContaining('undeployed in') });
    await until('no member service left', async () => ((await swarm.manager.docker.listServices({ filters: { label: [Label.member] } })) as unknown[]).length === 0, 60_000);
  }, 300_000);
});
