/**
 * `npm start` as a new user meets it: the launcher (dist/apps/platform) with embedded
 * PostgreSQL and broker; Ctrl-C stops the platform (saying which members keep running), a second start reuses the data, bad
 * configuration and taken ports are one clear line.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@stratos/runtime';
import { memberNetworkName } from '@stratos/iaas';
import { aCartridge } from '../factories/cartridge.factory';
import { aDeploymentPolicy, anApplication, anApplicationPolicy, aNetworkPartition, aSubscription } from '../factories/definition.factory';
import { fetchTrusting, launch, untilOutput as until } from '../support/launcher';
import { until as waitFor } from '../support/platform';
import { certificateFingerprint } from '@stratos/contracts';

function postgresRunningOn(dataDir: string): boolean {
  return spawnSync('pgrep', ['-f', `postgres -D ${dataDir}`]).status === 0;
}

describe('npm start (the one-machine launcher)', () => {
  let home: string;
  let apiPort: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'stratos-launch-'));
    await chmod(home, 0o755); // as a folder made by `mkdir` is: PostgreSQL runs as another user
    apiPort = await freePort();
    env = { STRATOS_HOME: home, STRATOS_API_PORT: String(apiPort), MQTT_PORT: '0' };
  });
  afterAll(async () => {
    // npm start made its Docker member network where an engine answers; it outlives the home, so it goes with it here.
    const platformId = await readFile(join(home, 'platform-id'), 'utf8').catch(() => null);
    if (platformId) spawnSync('docker', ['network', 'rm', memberNetworkName(platformId.trim())], { stdio: 'ignore' });
    await rm(home, { recursive: true, force: true });
  });

  it('starts everything, prints where it is and the admin credential once, stops cleanly on Ctrl-C, and reuses its data', async () => {
    const first = launch(env);
    await until(first, 'Ctrl-C stops the platform (members keep running, and are adopted at the next start).');
    const out = first.output();
    expect(out).toMatch(/PostgreSQL \(embedded\) ready on 127\.0\.0\.1:\d+ and a Unix socket in its data folder \(which the platform uses\), data in .* \(new\)/);
    expect(out).toMatch(/MQTT broker \(embedded, aedes, MQTT 3\.1\.1\) on mqtts:\/\/127\.0\.0\.1:\d+ \(TLS, the API's certificate\)/);
    expect(out).toContain(`API on https://127.0.0.1:${apiPort}`);
    // Its self-signed certificate, made at the first start, and the login that pins it.
    const fingerprint = /^TLS certificate (SHA256:[0-9A-F:]+) /m.exec(out)![1];
    expect(fingerprint).toBe(certificateFingerprint(await readFile(join(home, 'tls', 'cert.pem'), 'utf8')));
    expect(out).toContain(`Next: npx stratos login --url https://127.0.0.1:${apiPort} --fingerprint ${fingerprint}`);
    expect((await stat(join(home, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
    const fetch = fetchTrusting(home);
    const password = /created the user "admin" with the password (\S+)/.exec(out)![1];
    const credentials = join(home, 'admin-credentials');
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    expect(await readFile(credentials, 'utf8')).toContain(`password=${password}`);
    expect(out.split(password)).toHaveLength(2); // printed once, logged nowhere else

    const api = `https://127.0.0.1:${apiPort}/api`;
    const token = ((await (await fetch(`${api}/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token: string }).token;
    const secrets = aCartridge({
      type: 'kept',
      iaasProvider: [{ type: 'ec2', imageId: 'ami-1', identity: 'AKIA-LOG-CHECK', credential: 'credential-log-check', property: [{ name: 'payload_parameter.MB_PASSWORD', value: 'mb-log-check' }] }],
    });
    const created = await fetch(`${api}/cartridges`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(secrets) });
    expect(created.status).toBe(201);
    const wrong = await fetch(`${api}/cartridges/kept`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ ...secrets, type: 'other' }) });
    expect(wrong.status).toBe(400);

    // A local member deployed and undeployed just before Ctrl-C: none runs, and the stop must not say one does.
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${api}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json().catch(() => null)) as { status?: string } | null };
    };
    for (const [path, body] of [
      ['/cartridges', aCartridge({ type: 'brief', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }], property: [{ name: 'payload_parameter.START_COMMAND', value: 'exec sleep 3600' }] })],
      ['/networkPartitions', aNetworkPartition({ id: 'np-here', provider: 'local', partitions: [{ id: 'here' }] })],
      ['/deploymentPolicies', aDeploymentPolicy({ id: 'dp-here', networkPartitions: [{ id: 'np-here', partitionAlgo: 'one-after-another', partitions: [{ id: 'here', partitionMax: 5 }] }] })],
      ['/applicationPolicies', anApplicationPolicy({ id: 'ap-here', networkPartitions: ['np-here'] })],
      ['/applications', anApplication({ applicationId: 'brief', components: { cartridges: [aSubscription('brief', 'brief', { subscribableInfo: { alias: 'brief', deploymentPolicy: 'dp-here' } })] } })],
    ] as const)
      expect([path, (await send('POST', path, body)).status]).toEqual([path, 201]);
    expect((await send('POST', '/applications/brief/deploy/ap-here')).status).toBe(202);
    await waitFor('brief Active', async () => (await send('GET', '/applications/brief/runtime')).body?.status === 'Active');
    expect((await send('POST', '/applications/brief/undeploy')).status).toBe(202);
    await waitFor('brief undeployed', async () => (await send('GET', '/applications/brief/runtime')).status === 404);

    const dataDir = join(home, 'postgres', 'data');
    expect(postgresRunningOn(dataDir)).toBe(true);
    first.interrupt(); // Ctrl-C reaches PostgreSQL too: what keeps running is still told (the controller reports it)
    expect(await first.exited).toBe(0);
    for (const secret of ['AKIA-LOG-CHECK', 'credential-log-check', 'mb-log-check']) expect(first.output()).not.toContain(secret); // no log line carries a secret
    expect(postgresRunningOn(dataDir)).toBe(false);
    expect(first.output()).toContain('stratos: no members were running.'); // it says what outlives it

    const second = launch(env);
    await until(second, 'Ctrl-C stops the platform (members keep running, and are adopted at the next start).');
    expect(second.output()).not.toContain('(new)');
    expect(second.output()).not.toContain('First start');
    expect(second.output()).toContain(`TLS certificate ${fingerprint}`); // the same: pinned clients still trust it
    const kept = await fetch(`${api}/cartridges/kept`, { headers: { authorization: `Bearer ${token}` } });
    expect(kept.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(postgresRunningOn(dataDir)).toBe(false);
  });

  it('stops at start-up with a line naming a bad variable', async () => {
    const bad = launch({ ...env, STRATOS_API_PORT: 'eighty' });
    expect(await bad.exited).toBe(1);
    expect(bad.output().trim()).toBe('stratos: cannot start: STRATOS_API_PORT: must be an integer from 0 to 65535, got "eighty"');
    const url = launch({ ...env, DATABASE_URL: 'mysql://localhost/db' });
    expect(await url.exited).toBe(1);
    expect(url.output()).toContain('DATABASE_URL: must use postgres: or postgresql:, not mysql:');
  });

  it('says which port is taken instead of printing a stack', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const taken = (holder.address() as { port: number }).port;
    try {
      const api = launch({ ...env, STRATOS_API_PORT: String(taken) });
      expect(await api.exited).toBe(1);
      expect(api.output().trim()).toBe(`stratos: cannot start: stratos-manager API: port ${taken} is already in use; stop what holds it or set STRATOS_API_PORT to another port`);
      const broker = launch({ ...env, MQTT_PORT: String(taken) });
      expect(await broker.exited).toBe(1);
      expect(broker.output()).toContain(`stratos: cannot start: embedded MQTT broker: port ${taken} is already in use; stop what holds it or set MQTT_PORT to another port`);
      expect(postgresRunningOn(join(home, 'postgres', 'data'))).toBe(false);
    } finally {
      holder.close();
    }
  });
});
