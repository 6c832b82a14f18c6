/**
 * The API over HTTPS with a self-signed certificate (npm start's default): a client that has
 * not pinned it is refused by TLS itself; `stratos login --fingerprint` pins it only when it is
 * the one the server presents; afterwards the CLI trusts that certificate and no other.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Agent } from 'undici';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { createConnection } from 'node:net';
import { brokerTrust, selfSignedTlsPair, startEmbeddedBroker } from '@stratos/runtime';
import { certificateFingerprint, PLATFORM_HOST_NAME, sameFingerprint } from '@stratos/contracts';
import type { ApplicationRuntime } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { availableBrokers } from '../support/brokers';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { runCli } from '../support/cli';
import { launchPayloadOf } from '../support/member-files';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe('the API over HTTPS, trusted by fingerprint', () => {
  let platform: TestPlatform;
  let scratch: string;
  const cliEnv = (name: string) => ({ STRATOS_CLI_CONFIG: join(scratch, `${name}.json`), STRATOS_URL: '', STRATOS_TOKEN: '', STRATOS_CA_CERT: '' });
  const password = async () => /password=(.*)/.exec(await readFile(join(platform.home, 'admin-credentials'), 'utf8'))![1];

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', tls: true, advertise: true });
    scratch = await mkdtemp(join(tmpdir(), 'stratos-tls-'));
  });
  afterAll(async () => {
    await platform?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('serves HTTPS only, with a certificate nobody trusts by default', async () => {
    expect(platform.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(platform.tls!.fingerprint).toMatch(/^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const untrusted = await fetch(`${platform.url}/api/health`).catch((error: Error & { cause?: { code?: string } }) => error.cause?.code);
    expect(untrusted).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    const plain = await fetch(`${platform.url.replace('https:', 'http:')}/api/health`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
    expect((await platform.api('GET', '/health', { token: null })).status).toBe(200); // with the certificate pinned
    // The key stays the platform's.
    expect(((await import('node:fs')).statSync(join(platform.home, 'tls', 'key.pem')).mode & 0o777).toString(8)).toBe('600');
  });

  it('stratos login refuses a wrong fingerprint and, without one, says which to check — saving nothing', async () => {
    const env = cliEnv('refused');
    const wrong = await runCli(['--url', platform.url, 'login', '-u', 'admin', '-p', await password(), '--fingerprint', `SHA256:${'AB:'.repeat(31)}AB`], { env });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`presents a certificate with fingerprint ${platform.tls!.fingerprint}`);
    const none = await runCli(['--url', platform.url, 'login', '-u', 'admin', '-p', await password()], { env });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain(`run again with --fingerprint ${platform.tls!.fingerprint}`);
    expect(existsSync(env.STRATOS_CLI_CONFIG)).toBe(false);
  });

  it('pins the certificate at login, then every command trusts it and no other', async () => {
    const env = cliEnv('pinned');
    // Any spelling of the fingerprint a user pastes: lower case, no prefix.
    const loose = platform.tls!.fingerprint.replace('SHA256:', '').toLowerCase();
    const login = await runCli(['--url', platform.url, 'login', '-u', 'admin', '-p', await password(), '--fingerprint', loose], { env });
    expect({ code: login.code, stderr: login.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const saved = JSON.parse(await readFile(env.STRATOS_CLI_CONFIG, 'utf8')) as { url: string; certificate: string };
    expect(saved.url).toBe(platform.url);
    expect(certificateFingerprint(saved.certificate)).toBe(platform.tls!.fingerprint);
    const listed = await runCli(['cartridge', 'list', '--json'], { env });
    expect({ code: listed.code, out: JSON.parse(listed.stdout) }).toEqual({ code: 0, out: [] });

    // Another certificate at the same address (a server that is not ours): refused, and said so.
    const other = await selfSignedTlsPair(join(scratch, 'other-home'));
    expect(sameFingerprint(other.fingerprint, platform.tls!.fingerprint)).toBe(false);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(env.STRATOS_CLI_CONFIG, JSON.stringify({ ...saved, certificate: other.cert }));
    const impostor = await runCli(['cartridge', 'list'], { env });
    expect(impostor.code).not.toBe(0);
    expect(impostor.stderr).toMatch(/does not trust|certificate changed/);
  });

  it("gives members the API's address and certificate: a member's script posts metadata over HTTPS with its TOKEN", async () => {
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'told', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'told', components: { cartridges: [aSubscription('told', 'told-x')] } }));
    await platform.post('/applications/told/deploy/ap-1', undefined, 202);
    const runtime = await until('told Active', async () => {
      const response = await platform.api<ApplicationRuntime>('GET', '/applications/told/runtime');
      return response.status === 200 && response.body.status === 'Active' ? response.body : undefined;
    });
    const member = runtime.clusters[0].members[0];
    // Its launch payload (its agent's first environment): where the API is, the application's token, the API's certificate.
    const payload = launchPayloadOf(member.instanceId!);
    expect(payload.METADATA_SERVICE_URL).toBe(`${platform.url}/api/metadata`);
    // The agent wrote it where the member's scripts find it (METADATA_SERVICE_CA_FILE: /var/lib/stratos/metadata-service-ca.pem).
    const caFile = join(platform.home, 'members', member.memberId, 'root', 'var', 'lib', 'stratos', 'metadata-service-ca.pem');
    const ca = await until('the API certificate in the member', async () => existsSync(caFile) && readFile(caFile, 'utf8'));
    expect(certificateFingerprint(ca)).toBe(platform.tls!.fingerprint);
    // As `curl --cacert "$METADATA_SERVICE_CA_FILE"` would: verified by that file alone, the address among its names.
    const post = (dispatcher?: Agent) =>
      fetch(`${payload.METADATA_SERVICE_URL}/applications/told/clusters/${runtime.clusters[0].clusterId}/properties`, {
        method: 'POST',
        headers: { authorization: `Bearer ${payload.TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'from-member', values: ['yes'] }),
        dispatcher,
      } as RequestInit).then(
        (r) => r.status,
        (error: Error & { cause?: { code?: string } }) => error.cause?.code,
      );
    expect(await post()).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(await post(new Agent({ connect: { ca } }))).toBe(201);
    await platform.post('/applications/told/undeploy?force=true', undefined, 202);
    await until('told undeployed', async () => (await platform.api('GET', '/applications/told/runtime')).status === 404);
  });

  it('STRATOS_CA_CERT trusts a certificate file without a login', async () => {
    const login = await platform.api<{ token: string }>('POST', '/tokens', { token: null, body: { username: 'admin', password: await password() } });
    const env = { ...cliEnv('ca-file'), STRATOS_URL: platform.url, STRATOS_TOKEN: login.body.token, STRATOS_CA_CERT: join(platform.home, 'tls', 'cert.pem') };
    const listed = await runCli(['cartridge', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect((await runCli(['cartridge', 'list'], { env: { ...env, STRATOS_CA_CERT: '' } })).stderr).toContain('--fingerprint');
  });
});

describe('the embedded broker over TLS', () => {
  it('speaks MQTT over TLS only, to clients that trust its certificate', async () => {
    const home = await mkdtemp(join(tmpdir(), 'stratos-mqtts-'));
    const pair = await selfSignedTlsPair(home);
    const credentials = { username: 'stratos', password: 'broker-password-1' };
    const broker = await startEmbeddedBroker({ port: 0, credentials, tls: { cert: pair.cert, key: pair.key } });
    try {
      expect(broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      const attempt = (url: string, options: mqtt.IClientOptions) =>
        mqtt.connectAsync(url, { ...credentials, ...options, reconnectPeriod: 0, connectTimeout: 3000 }).then(
          async (client) => (await client.endAsync(), 'connected'),
          (error: Error & { code?: string }) => error.code ?? error.message,
        );
      expect(await attempt(broker.url, brokerTrust(pair.cert))).toBe('connected');
      // Pinned by certificate, not by name: a member reaching it at a gateway address is still sure whom it talks to.
      await broker.listenAlso('127.0.0.2'); // an address its certificate does not name
      expect(await attempt(broker.url.replace('127.0.0.1', '127.0.0.2'), brokerTrust(pair.cert))).toBe('connected');
      expect(await attempt(broker.url, {})).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      const other = await selfSignedTlsPair(join(home, 'other'));
      expect(await attempt(broker.url, brokerTrust(other.cert))).not.toBe('connected');
      expect(await clearTextConnect(broker.url, credentials)).not.toBe('CONNACK');
    } finally {
      await broker.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});

/** An MQTT CONNECT in the clear: a TLS-only listener never answers it with a CONNACK (it drops it, or waits for a handshake). */
async function clearTextConnect(url: string, credentials: { username: string; password: string }): Promise<string> {
  const { port } = new URL(url);
  return new Promise<string>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: Number(port) }, () => socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'clear', clean: true, keepalive: 10, username: credentials.username, password: Buffer.from(credentials.password) })));
    const timer = setTimeout(() => (socket.destroy(), resolve('no answer')), 2000);
    socket.once('data', (data: Buffer) => (clearTimeout(timer), socket.destroy(), resolve(data[0] === 0x20 ? 'CONNACK' : 'other bytes')));
    socket.once('close', () => (clearTimeout(timer), resolve('closed')));
    socket.once('error', () => undefined);
  });
}

describe.each(availableBrokers())('members over MQTT/TLS (%s)', (broker) => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ broker, brokerTls: true });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('the controller, the manager and every agent speak to the broker over TLS only, trusting its certificate', async () => {
    expect(platform.broker.url).toMatch(/^mqtts:\/\//);
    const url = new URL(platform.broker.url);
    const credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    // The broker itself: nothing in the clear, and a client that does not trust the certificate is refused by TLS.
    expect(await clearTextConnect(platform.broker.url, credentials)).not.toBe('CONNACK');
    const untrusted = await mqtt.connectAsync(platform.broker.url, { reconnectPeriod: 0, connectTimeout: 3000 }).then(
      async (client) => (await client.endAsync(), 'connected'),
      (error: Error & { code?: string }) => error.code ?? error.message,
    );
    expect(untrusted).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

    // A deploy: its RPC (manager → controller), its members' agents (each with its own identity) and their events all cross TLS.
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 10 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'sealed', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'sealed', components: { cartridges: [aSubscription('sealed', 'sealed-web', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
    await platform.post('/applications/sealed/deploy/ap-1', undefined, 202);
    const runtime = await until('sealed Active', async () => {
      const response = await platform.api<ApplicationRuntime>('GET', '/applications/sealed/runtime');
      return response.status === 200 && response.body.status === 'Active' ? response.body : undefined;
    });
    const members = runtime.clusters.flatMap((c) => c.members);
    expect(members).toHaveLength(2);
    for (const member of members) {
      const log = await readFile(join(platform.home, 'members', member.memberId, 'agent.log'), 'utf8');
      expect(log).toContain(`connected to the broker (mqtts://127.0.0.1:${url.port})`);
      expect(log).not.toMatch(/certificate|self.signed/i);
    }
    await platform.post('/applications/sealed/undeploy?force=true', undefined, 202);
    await until('sealed undeployed', async () => (await platform.api('GET', '/applications/sealed/runtime')).status === 404);
  });
});

const docker = dockerForTests();
const execFileAsync = promisify(execFile);

(docker ? describe : describe.skip)('docker members verify the API by name', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', tls: true, advertise: true, docker: 'on' });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it(`reach it as ${PLATFORM_HOST_NAME}, a name its certificate carries: a script posts metadata with only the CA file`, async () => {
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-docker', provider: 'docker', partitions: [{ id: 'host' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-docker', networkPartitions: [{ id: 'np-docker', partitions: [{ id: 'host', partitionMax: 2 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-docker', networkPartitions: ['np-docker'] }));
    await platform.post('/cartridges', aCartridge({ type: 'boxed', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }] }));
    await platform.post('/applications', anApplication({ applicationId: 'boxed', components: { cartridges: [aSubscription('boxed', 'boxed-x', { subscribableInfo: { alias: 'boxed-x', deploymentPolicy: 'dp-docker' } })] } }));
    await platform.post('/applications/boxed/deploy/ap-docker', undefined, 202);
    const runtime = await until('boxed Active', async () => {
      const response = await platform.api<ApplicationRuntime>('GET', '/applications/boxed/runtime');
      return response.status === 200 && response.body.status === 'Active' ? response.body : undefined;
    }, 60_000);
    const member = runtime.clusters[0].members[0];
    // Inside the member, as its scripts would (`curl --cacert "$METADATA_SERVICE_CA_FILE"`): Node's fetch trusting that file alone, names checked.
    const script = `fetch(process.env.METADATA_SERVICE_URL + '/applications/boxed/clusters/${runtime.clusters[0].clusterId}/properties', { method: 'POST', headers: { authorization: 'Bearer ' + process.env.TOKEN, 'content-type': 'application/json' }, body: '{"key":"from-box","values":["yes"]}' }).then((r) => console.log(process.env.METADATA_SERVICE_URL, r.status), (e) => console.log(process.env.METADATA_SERVICE_URL, e.cause?.code ?? e.message))`;
    // Asynchronously: this process serves the API the script calls.
    const run = async (caFile: string) => (await execFileAsync('docker', ['exec', '-e', `NODE_EXTRA_CA_CERTS=${caFile}`, member.instanceId!, 'node', '-e', script], { encoding: 'utf8' })).stdout.trim();
    const url = `https://${PLATFORM_HOST_NAME}:${new URL(platform.url).port}/api/metadata`;
    expect(await run('/var/lib/stratos/metadata-service-ca.pem')).toBe(`${url} 201`);
    expect(await run('/dev/null')).toBe(`${url} DEPTH_ZERO_SELF_SIGNED_CERT`); // the control: without the file, refused
    await platform.post('/applications/boxed/undeploy?force=true', undefined, 202);
    await until('boxed undeployed', async () => (await platform.api('GET', '/applications/boxed/runtime')).status === 404, 60_000);
  }, 120_000);
});
