/**
 * The `stratos` CLI as a user runs it, against a real platform (aedes): login, offline
 * validation, the cartridge commands and their Stratos aliases, output formats, exit codes.
 */
import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { aCartridge } from '../factories/cartridge.factory';
import { aDeploymentPolicy, anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aSubscription } from '../factories/definition.factory';
import { ROOT, runCli } from '../support/cli';
import { startTestPlatform, type TestPlatform } from '../support/platform';

describe('stratos CLI', () => {
  let platform: TestPlatform;
  let dir: string;
  let env: Record<string, string>;
  const file = async (name: string, content: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    dir = await mkdtemp(join(tmpdir(), 'stratos-cli-'));
    env = { STRATOS_URL: platform.url, STRATOS_CLI_CONFIG: join(dir, 'cli.json'), STRATOS_TOKEN: '' };
    const password = /password=(.*)/.exec(await (await import('node:fs/promises')).readFile(join(platform.home, 'admin-credentials'), 'utf8'))![1];
    const login = await runCli(['login', '--password-stdin'], { env, input: `${password}\n` });
    expect(login.stderr).toContain('Saved in');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${platform.url} as admin (admin)`);
    expect((await stat(join(dir, 'cli.json'))).mode & 0o777).toBe(0o600);
  });
  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password with exit 1 and the server message', async () => {
    const result = await runCli(['login', '--password-stdin'], { env: { ...env, STRATOS_CLI_CONFIG: join(dir, 'other.json') }, input: 'nope\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: wrong username or password');
  });

  it('validates offline with the server schema: warnings, then errors as path: message', async () => {
    const good = await runCli(['cartridge', 'validate', '-f', await file('good.json', aCartridge({ multiTenant: 'false' }))], { env: { STRATOS_URL: 'http://127.0.0.1:1' } });
    expect(good.code).toBe(0);
    expect(good.stderr).toContain('warning: /multiTenant: string "false" read as the boolean false');
    const bad = await runCli(['cartridge', 'validate', '-f', await file('bad.json', aCartridge({ portMapping: [{ protocol: 'http', port: 70000 }], loadBalancingIPType: 'x' }))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: /portMapping/0/port: must be <= 65535');
    expect(bad.stderr).toContain('error: /loadBalancingIPType: must be one of "public", "private"');
    const malformed = await runCli(['cartridge', 'validate', '-f', await file('malformed.json', '{\n  "type": "x",\n}')]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/malformed\.json: malformed JSON at line 3, column 1/);
  });

  it('adds, lists, gets, updates and removes, in table, json and yaml', async () => {
    const add = await runCli(['cartridge', 'add', '-f', await file('php.json', aCartridge({ type: 'cli-php', port: undefined, multiTenant: 'false' }))], { env });
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('cartridge cli-php added (generation 1)');
    expect(add.stderr).toContain('warning: /multiTenant');

    const table = await runCli(['cartridge', 'list'], { env });
    expect(table.stdout.split('\n')[0]).toMatch(/^TYPE\s+CATEGORY\s+PROVIDER\s+VERSION\s+MULTI-TENANT\s+PORTS\s+IAAS$/);
    expect(table.stdout).toMatch(/cli-php\s+framework\s+apache\s+8\.3\s+false\s+8080\/http\s+docker→docker/);
    const json = await runCli(['cartridge', 'list', '--json'], { env });
    expect(JSON.parse(json.stdout).map((c: { type: string }) => c.type)).toContain('cli-php');

    const got = await runCli(['cartridge', 'get', 'cli-php', '-o', 'json'], { env });
    const view = JSON.parse(got.stdout);
    expect(view).toMatchObject({ type: 'cli-php', multiTenant: false, status: { generation: 1 } });
    expect(got.stdout).not.toContain('registry-secret-value');
    const yaml = await runCli(['cartridge', 'get', 'cli-php', '-o', 'yaml'], { env });
    expect(yaml.stdout).toContain('type: cli-php');

    const update = await runCli(['cartridge', 'update', '-f', await file('php-v2.json', { ...view, description: 'second' })], { env });
    expect(update.code).toBe(0);
    expect(update.stdout).toContain('cartridge cli-php updated (generation 2)');

    const removed = await runCli(['cartridge', 'remove', 'cli-php'], { env });
    expect(removed.stdout).toContain('cartridge cli-php removed');
    const gone = await runCli(['cartridge', 'get', 'cli-php'], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('error: cartridge "cli-php" does not exist');
  });

  it('prints the server errors as path: message and exits 1', async () => {
    await runCli(['cartridge', 'add', '-f', await file('dup.json', aCartridge({ type: 'dup' }))], { env });
    const again = await runCli(['cartridge', 'add', '-f', join(dir, 'dup.json')], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error: /type: "dup" is taken');
    const strict = await runCli(['cartridge', 'add', '--strict', '-f', await file('strict.json', aCartridge({ type: 'strict', multiTenant: 'true' }))], { env });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('error: /multiTenant: string "true" read as the boolean true (strict mode refuses it)');
  });

  it('accepts the Stratos 4.1 command names', async () => {
    const add = await runCli(['add-cartridge', '-p', await file('alias.json', aCartridge({ type: 'alias' }))], { env });
    expect(add.code).toBe(0);
    expect((await runCli(['list-cartridges'], { env })).stdout).toMatch(/^alias\s/m);
    expect(JSON.parse((await runCli(['describe-cartridge', 'alias', '-o', 'json'], { env })).stdout).type).toBe('alias');
    expect((await runCli(['remove-cartridge', 'alias'], { env })).code).toBe(0);
  });

  it('exits 2 on a usage mistake and 1 when the API is unreachable or the token is missing', async () => {
    expect((await runCli(['cartridge', 'frobnicate'], { env })).code).toBe(2);
    expect((await runCli(['cartridge', 'add'], { env })).code).toBe(2);
    expect((await runCli(['cartridge', 'list', '-o', 'xml'], { env })).code).toBe(2);
    const unreachable = await runCli(['cartridge', 'list'], { env: { ...env, STRATOS_URL: 'http://127.0.0.1:1' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the API at http://127.0.0.1:1');
    const anonymous = await runCli(['cartridge', 'list'], { env: { ...env, STRATOS_CLI_CONFIG: join(dir, 'none.json') } });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('a bearer token is required');
  });

  it('imports a Stratos-layout folder in order, with a summary of created, skipped and refused', async () => {
    const samples = join(dir, 'samples');
    await mkdir(join(samples, 'cartridges', 'mock'), { recursive: true });
    await mkdir(join(samples, 'autoscaling-policies'), { recursive: true });
    await writeFile(join(samples, 'autoscaling-policies', 'asp.json'), JSON.stringify({ id: 'asp-1', loadThresholds: { loadAverage: { threshold: 80 } } }));
    await writeFile(join(samples, 'cartridges', 'mock', 'a.json'), JSON.stringify(aCartridge({ type: 'imp-a', iaasProvider: [{ type: 'mock', imageId: 'x' }] })));
    await writeFile(join(samples, 'cartridges', 'mock', 'b.json'), JSON.stringify(aCartridge({ type: 'imp-b', portMapping: [{ protocol: 'http', port: '70000' }] })));
    await writeFile(join(samples, 'cartridges', 'mock', 'c.json'), '{ "type": "imp-c", }');
    const first = await runCli(['import', samples, '--iaas', 'mock', '--json'], { env });
    expect(first.code).toBe(1);
    const report = JSON.parse(first.stdout);
    expect(report.summary).toEqual({ created: 2, skipped: 0, refused: 2 });
    expect(report.items.map((i: { file: string }) => i.file)).toEqual(['autoscaling-policies/asp.json', 'cartridges/mock/a.json', 'cartridges/mock/b.json', 'cartridges/mock/c.json']);
    expect(report.items[2]).toMatchObject({ id: 'imp-b', outcome: 'refused', detail: '/portMapping/0/port: must be <= 65535' });
    expect(report.items[3].detail).toMatch(/^malformed JSON at line 1, column 2[0-9]/);
    const again = await runCli(['import', samples, '--iaas', 'mock'], { env });
    expect(again.stdout).toMatch(/cartridges\/mock\/a\.json\s+cartridge\s+imp-a\s+skipped\s+already exists/);
    expect(again.stderr).toContain('0 created, 2 skipped, 2 refused');
  });

  it('watches the topology, one line per event, and resumes after a given revision', async () => {
    const watch = spawn(process.execPath, [join(ROOT, 'bin', 'stratos.js'), 'topology', 'watch'], { env: { ...process.env, NODE_OPTIONS: '', ...env } });
    let output = '';
    watch.stdout.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise((r) => watch.stderr.once('data', r)); // "watching …"
    await runCli(['cartridge', 'add', '-f', await file('w.json', aCartridge({ type: 'watched' }))], { env });
    await runCli(['cartridge', 'remove', 'watched'], { env });
    const deadline = Date.now() + 5000;
    while (!/ServiceRemoved\s+watched/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    watch.kill('SIGINT');
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\s*\d+\s+\S+Z\s+ServiceCreated\s+watched\s+category=framework generation=1$/);
    const created = Number(lines[0].trim().split(/\s+/)[0]);
    const resumed = await runCli(['topology', 'watch', '--since', String(created), '--json'], { env, timeoutMs: 30_000, until: /"ServiceRemoved".*\n/ }); // it follows until stopped: stopped at the event
    const events = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ revision: created + 1, type: 'ServiceRemoved', payload: { serviceName: 'watched' } });
  });

  it('deploys with a live view of each member, shows the runtime tree, and undeploys', async () => {
    const body = (b: unknown) => ({ body: b });
    expect((await platform.api('POST', '/cartridges', body(aCartridge({ type: 'cli-web', iaasProvider: [{ type: 'mock', imageId: 'x' }] })))).status).toBe(201);
    expect((await platform.api('POST', '/networkPartitions', body(aNetworkPartition()))).status).toBe(201);
    expect([201, 409]).toContain((await platform.api('POST', '/autoscalingPolicies', body(anAutoscalingPolicy()))).status); // the import above may have made it
    expect((await platform.api('POST', '/deploymentPolicies', body(aDeploymentPolicy()))).status).toBe(201);
    expect((await platform.api('POST', '/applicationPolicies', body(anApplicationPolicy()))).status).toBe(201);
    expect((await platform.api('POST', '/applications', body(anApplication({ applicationId: 'cli-app', components: { cartridges: [aSubscription('cli-web', 'cli-web-1')] } })))).status).toBe(201);

    const deploy = await runCli(['app', 'deploy', 'cli-app', '--policy', 'ap-1', '--wait'], { env, timeoutMs: 30_000 });
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).toMatch(/member cli-web-1-[0-9a-f]{8}\s+Starting → Active/);
    expect(deploy.stdout).toMatch(/application cli-app\s+Created → Active/);
    expect(deploy.stdout).toMatch(/^deployed in \d+\.\d s$/m);

    const tree = await runCli(['app', 'runtime', 'cli-app'], { env });
    expect(tree.stdout).toMatch(/^cli-app {2}Active {2}\(policy ap-1/);
    expect(tree.stdout).toMatch(/└─ cluster cli-web-1 \(cli-web\) {2}Active {2}1 active, min 1 max 3/);
    expect(tree.stdout).toMatch(/└─ cli-web-1-[0-9a-f]{8} {2}Active {2}np-1\/p-1 {2}local:\d+ {2}127\.\d+\.\d+\.\d+ {2}8080$/m);
    const again = await runCli(['deploy-application', 'cli-app', 'ap-1'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error: application "cli-app" is already deployed (Active); undeploy it first');

    const undeploy = await runCli(['app', 'undeploy', 'cli-app', '--wait'], { env, timeoutMs: 30_000 });
    expect(undeploy.code).toBe(0);
    expect(undeploy.stdout).toMatch(/Active → ReadyToShutDown/);
    expect(undeploy.stdout).toMatch(/^undeployed in \d+\.\d s$/m);
    expect((await runCli(['app', 'runtime', 'cli-app'], { env })).stderr).toContain('error: application "cli-app" is not deployed');
  });

  it('stops a deploy --wait when a cluster cannot start, with its last member\'s reason, and the undeploy that stops it', async () => {
    const body = (b: unknown) => ({ body: b });
    const start = aCartridge({ type: 'cli-crash', iaasProvider: [{ type: 'mock', imageId: 'x' }], property: [{ name: 'payload_parameter.START_COMMAND', value: 'exit 3' }] });
    expect((await platform.api('POST', '/cartridges', body(start))).status).toBe(201);
    for (const [path, definition] of [['/networkPartitions', aNetworkPartition()], ['/autoscalingPolicies', anAutoscalingPolicy()], ['/deploymentPolicies', aDeploymentPolicy()], ['/applicationPolicies', anApplicationPolicy()]] as const) {
      expect([201, 409]).toContain((await platform.api('POST', path, body(definition))).status); // the deploy test above made them
    }
    expect((await platform.api('POST', '/applications', body(anApplication({ applicationId: 'cli-crash-app', components: { cartridges: [aSubscription('cli-crash', 'cli-crash-1')] } })))).status).toBe(201);

    const deploy = await runCli(['app', 'deploy', 'cli-crash-app', '--policy', 'ap-1', '--wait', '--failures', '2'], { env, timeoutMs: 60_000 });
    expect(deploy.code).toBe(1);
    expect(deploy.stdout.match(/member cli-crash-1-[0-9a-f]{8}\s+Starting → Lost {2}\(.*the start command exited \(code 3\)\)/g)).toHaveLength(2);
    expect(deploy.stdout).toMatch(/cluster cli-crash-app\.cli-crash-1\s+crash loop: 1 in a row, the next launch at \S+Z\n/);
    expect(deploy.stderr).toMatch(/^error: cluster cli-crash-app\.cli-crash-1 cannot start: its members crashed 2 times in a row; the last, cli-crash-1-[0-9a-f]{8}: .*the start command exited \(code 3\)$/m);
    expect(deploy.stderr).toContain('`stratos application undeploy cli-crash-app` stops it (--failures 0 waits on).');
    expect(deploy.stdout).not.toMatch(/^deployed in/m);
    // The runtime view says so too: the controller records the count with the event that stopped the wait.
    const tree = (await runCli(['app', 'runtime', 'cli-crash-app'], { env })).stdout;
    expect(tree).toMatch(/^ {3}! crash loop: [2-9] in a row, the next launch at \d{4}-\d\d-\d\dT[\d:.]+Z; the last, cli-crash-1-[0-9a-f]{8}: .*the start command exited \(code 3\)$/m);
    const view = JSON.parse((await runCli(['app', 'runtime', 'cli-crash-app', '--json'], { env })).stdout) as { clusters: { crashes: { inARow: number; lastMemberId: string } | null }[] };
    expect(view.clusters[0].crashes?.inARow).toBeGreaterThanOrEqual(2);

    const usage = await runCli(['app', 'deploy', 'cli-crash-app', '--policy', 'ap-1', '--wait', '--failures', 'many'], { env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: --failures must be a whole number (0: never stop), not "many"');

    const undeploy = await runCli(['app', 'undeploy', 'cli-crash-app', '--wait'], { env, timeoutMs: 30_000 });
    expect(undeploy.code).toBe(0);
    expect(undeploy.stdout).toMatch(/^undeployed in \d+\.\d s$/m);
  });

  it('imports the project\'s samples/ as the samples README says (hello.spec.ts deploys them)', async () => {
    const imported = await runCli(['import', join(ROOT, 'samples'), '--iaas', 'local', '--json'], { env });
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).summary).toEqual({ created: 13, skipped: 0, refused: 0 });
    const listed = await runCli(['cartridge', 'list'], { env });
    for (const type of ['hello-db', 'hello-web', 'hello-lb', 'zookeeper']) expect(listed.stdout).toMatch(new RegExp(`^${type}\\s`, 'm'));
    const app = await runCli(['app', 'get', 'hello', '--json'], { env });
    expect(JSON.parse(app.stdout).components.dependencies.startupOrders).toEqual([{ aliases: ['cartridge.hello-db', 'cartridge.hello-web', 'cartridge.hello-lb'] }]);
  });
});
