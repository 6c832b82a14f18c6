/**
 * The multi-tenant sample as a user runs it, on each driver: `stratos import samples --iaas X`, deploy
 * `tenant-sites` (two tenant-web members, a tenant-lb HAProxy in front), then two tenants sign up
 * with their own git repositories and map their own domains. Through the load balancer, each
 * domain (a `Host:` header) reaches its own tenant's files and nothing else; an unknown domain is a
 * 404; a deactivated tenant's domain stops routing, and comes back with it.
 */
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { memberNetworkName, platformIdOf, sandboxAvailable } from '@stratos/iaas';
import type { MemberView } from '@stratos/contracts';
import { startGitServer, type GitServer } from '../support/git-server';
import { runCli, ROOT } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { IN_CI } from '../support/test-env';
import { imageAvailable } from '../support/docker';
import type { Driver } from '../support/member-files';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
/** Why a driver's run cannot happen here: local members use the host's programs, docker ones the Debian image's. */
function missing(driver: Driver): string | null {
  if (!has('git')) return 'git';
  if (driver === 'docker') return null;
  if (!has('haproxy')) return "Debian's haproxy package (apt-get install -y haproxy)";
  if (!has('busybox')) return 'busybox (apt-get install -y busybox-static), the web server';
  if (!sandboxAvailable()) return 'bubblewrap that runs here (apt-get install -y bubblewrap)';
  return null;
}
const runnable = (driver: Driver): boolean => {
  const reason = missing(driver);
  if (reason) {
    const line = `SKIPPED the multi-tenant tenant-sites sample on ${driver}: no ${reason}; .ci/run installs it`;
    if (IN_CI) throw new Error(`${line}, and CI=true forbids skipping`);
    process.stdout.write(`${line}\n`);
  }
  return !reason;
};
const drivers: Driver[] = (['local', 'docker'] as const).filter((driver) => runnable(driver) && (driver === 'local' || imageAvailable('the tenant-sites sample on docker')));

/** GET through the balancer with a Host header, as `curl -H Host:` would. */
function getWithHost(url: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { host }, timeout: 5000 }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', (error) => resolve({ status: 0, text: error.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

(drivers.length ? describe.each(drivers) : describe.skip.each<Driver>(['local']))('the multi-tenant tenant-sites sample on the %s driver', (driver) => {
  let platform: TestPlatform;
  let git: GitServer;
  let env: Record<string, string>;
  /** Where members fetch the tenants' repositories: loopback for local members, the network's gateway for containers. */
  let gitBase: string;
  const tenantEnv: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    git = await startGitServer(undefined, { host: driver === 'docker' ? '0.0.0.0' : '127.0.0.1' });
    git.createRepository('acme.git', { 'index.html': 'Welcome to ACME\n' });
    git.createRepository('globex.git', { 'index.html': 'Globex Corporation\n', 'about/index.html': 'About Globex\n' });
    platform = await startTestPlatform({ broker: 'aedes', memberStartTimeoutMs: 90_000, docker: driver === 'docker' ? 'on' : 'off' });
    gitBase = git.url;
    if (driver === 'docker') {
      const network = (await new Docker().getNetwork(memberNetworkName(await platformIdOf(platform.home))).inspect()) as { IPAM: { Config: { Gateway: string }[] } };
      gitBase = git.url.replace('127.0.0.1', network.IPAM.Config[0].Gateway);
    }
    env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: join(platform.home, 'admin-cli.json') };
    const imported = await runCli(['import', join(ROOT, 'samples'), '--iaas', driver], { env });
    expect(imported.stderr).toContain('0 refused');
    for (const [domain, admin] of [['acme.example', 'boss'], ['globex.example', 'hank']]) {
      const added = await runCli(['tenant', 'add', '-d', domain, '-u', admin, '-e', `${admin}@${domain}`, '--password-stdin'], { env, input: `${admin}-tenant-password\n` });
      expect(added.stdout.trim()).toBe(`Tenant added successfully: [tenant] ${domain}`);
      tenantEnv[domain] = { STRATOS_URL: platform.url, STRATOS_CLI_CONFIG: join(platform.home, `${admin}-cli.json`) };
      const login = await runCli(['login', '-u', `${admin}@${domain}`, '--password-stdin'], { env: tenantEnv[domain], input: `${admin}-tenant-password\n` });
      expect(login.code).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    await git?.close();
  });

  it('routes each tenant\'s domain to its own files through the load balancer, and nothing else', async () => {
    const deployed = await runCli(['app', 'deploy', 'tenant-sites', '--policy', 'single-machine', '--wait'], { env, timeoutMs: 100_000 });
    expect({ code: deployed.code, output: deployed.stdout + deployed.stderr }).toEqual({ code: 0, output: expect.anything() });
    const runtime = await platform.runtime('tenant-sites');
    const [lb] = runtime.clusters.find((c) => c.alias === 'tenant-lb')!.members as MemberView[];
    const lbUrl = `http://${lb.host}:${lb.ports.find((p) => p.port === 8000)!.hostPort}`;
    expect((await getWithHost(`${lbUrl}/`, 'www.acme.example')).status).toBe(404); // no tenant maps it yet

    // Each tenant's admin signs up with its repository and maps its domain, as Stratos's CLI did.
    for (const [domain, repo, site] of [['acme.example', 'acme.git', 'www.acme.example'], ['globex.example', 'globex.git', 'globex.example']]) {
      const signedUp = await runCli(['app', 'signup', 'tenant-sites', '--repo', `tenant-web=${gitBase}/${repo}`, '--wait'], { env: tenantEnv[domain], timeoutMs: 90_000 });
      expect([signedUp.code, signedUp.stdout.trim()]).toEqual([0, 'Successfully signed up for: [application] tenant-sites: Active']);
      const mapped = await runCli(['domain-mapping', 'add', 'tenant-sites', '-d', site, '--alias', 'tenant-web'], { env: tenantEnv[domain] });
      expect([mapped.code, mapped.stdout.trim()]).toEqual([0, `Domain mappings added successfully: [domain-mappings] [${site}]`]);
    }
    const listed = await runCli(['domain-mapping', 'list', 'tenant-sites'], { env: tenantEnv['acme.example'] });
    expect(listed.stdout).toMatch(/www\.acme\.example\s+tenant-web\s+\//);
    expect(listed.stdout).not.toContain('globex');

    await until('each domain reaches its own tenant through the balancer', async () => {
      const [acme, globex] = await Promise.all([getWithHost(`${lbUrl}/index.html`, 'www.acme.example'), getWithHost(`${lbUrl}/about/`, 'globex.example:8000')]);
      return acme.text === 'Welcome to ACME\n' && globex.text === 'About Globex\n';
    }, 60_000);
    // A tenant's domain never reaches another tenant's files; an unknown one is a 404.
    expect((await getWithHost(`${lbUrl}/about/`, 'www.acme.example')).status).toBe(404);
    const unknown = await getWithHost(`${lbUrl}/`, 'initech.example');
    expect([unknown.status, unknown.text]).toEqual([404, 'no tenant serves this domain']);

    // Deactivation withdraws the tenant's domains from the balancer; activation brings them back.
    expect((await runCli(['tenant', 'deactivate', 'acme.example'], { env })).code).toBe(0);
    await until("acme's domain stops routing", async () => (await getWithHost(`${lbUrl}/index.html`, 'www.acme.example')).status === 404, 30_000);
    expect((await getWithHost(`${lbUrl}/index.html`, 'globex.example')).text).toBe('Globex Corporation\n');
    expect((await runCli(['tenant', 'activate', 'acme.example'], { env })).code).toBe(0);
    await until("acme's domain routes again", async () => (await getWithHost(`${lbUrl}/index.html`, 'www.acme.example')).text === 'Welcome to ACME\n', 60_000);

    const undeployed = await runCli(['app', 'undeploy', 'tenant-sites', '--wait'], { env, timeoutMs: 60_000 });
    expect(undeployed.code).toBe(0);
  }, 300_000); // a deploy, two sign-ups and their routing: each step has its own bound above
});
