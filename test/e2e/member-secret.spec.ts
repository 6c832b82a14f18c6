/**
 * `stratos secrets rotate member-secret` on a running `npm start` and on a stopped one: every
 * member is sent its new broker password and signs in again with it, without a Last Will, so
 * none is Lost or replaced; the previous secret is then retired (its file deleted, its passwords
 * refused by the broker). A second rotation before the first finished is refused.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { memberBrokerPassword, memberBrokerUser, type MemberBrokerIdentity } from '@stratos/contracts';
import { freePort } from '@stratos/runtime';
import { runCli } from '../support/cli';
import { deployKept, launchPlatform, untilOutput, type LaunchedPlatform } from '../support/launcher';

/** Short graces, so that the previous secret is retired within seconds: 3 keepalives of 2 s. */
const FAST = { STRATOS_AGENT_KEEPALIVE_S: '2', STRATOS_HEALTH_INTERVAL_S: '1' };

describe('rotating the member secret', () => {
  let home = '';
  let running: LaunchedPlatform | null = null;
  /** The same ports at each start: members that outlive the launcher find their broker again where it was. */
  let env: Record<string, string> = {};

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'stratos-member-secret-'));
    await chmod(home, 0o755); // the embedded PostgreSQL's user enters it
    env = { ...FAST, MQTT_PORT: String(await freePort()), STRATOS_API_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    await running?.stop();
    const dir = join(home, 'members');
    for (const member of existsSync(dir) ? readdirSync(dir) : []) {
      try {
        process.kill(-(JSON.parse(readFileSync(join(dir, member, 'member.json'), 'utf8')) as { pid: number }).pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(home, { recursive: true, force: true });
  });

  const secretFile = () => join(home, 'member-secret');
  const previousFile = () => join(home, 'member-secret.previous');
  const members = async (platform: LaunchedPlatform) => {
    const runtime = (await platform.api('GET', '/applications/kept/runtime')).body as { status: string; clusters: { clusterId: string; members: { memberId: string; status: string }[] }[] };
    return { status: runtime.status, members: runtime.clusters.flatMap((c) => c.members.map((m) => ({ memberId: m.memberId, clusterId: c.clusterId, status: m.status }))) };
  };
  /** What the broker says to a member's user name with the password `secret` makes. */
  const signIn = async (platform: LaunchedPlatform, identity: MemberBrokerIdentity, secret: string) => {
    try {
      const client = await mqtt.connectAsync(platform.brokerUrl, {
        username: memberBrokerUser(identity),
        password: memberBrokerPassword(secret, identity),
        clientId: `test-sign-in-${Math.random().toString(16).slice(2)}`,
        ca: readFileSync(join(home, 'tls', 'cert.pem'), 'utf8'),
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      await client.endAsync(true);
      return 'accepted';
    } catch (error) {
      return (error as Error).message;
    }
  };
  const switchedNotices = async (platform: LaunchedPlatform, memberId: string) =>
    ((await platform.api('GET', `/members/${memberId}/logs?tail=1048576`)).body.text as string).split('\n').filter((line) => line.includes('signed in to the broker again with its new password')).length;

  it('switches every running member to the new secret, running and stopped, and none is replaced', async () => {
    running = await launchPlatform(home, env);
    let platform = running;
    await deployKept(platform);
    const before = (await members(platform)).members;
    const first = readFileSync(secretFile(), 'utf8').trim();
    expect(await signIn(platform, before[0], first)).toBe('accepted');

    // While it runs: the CLI waits until the previous secret is retired.
    const online = await runCli(['secrets', 'rotate', 'member-secret', '--home', home], { env: { DATABASE_URL: '' }, timeoutMs: 120_000 });
    expect([online.code, online.stdout]).toEqual([0, '']);
    expect(online.stderr).toMatch(/is replaced \(0600\); the platform \(pid \d+\) is sending each member its new password/);
    expect(online.stderr).toMatch(/every member signs in with the new secret; the previous one is retired/);
    const second = readFileSync(secretFile(), 'utf8').trim();
    expect(second).not.toBe(first);
    expect(statSync(secretFile()).mode & 0o777).toBe(0o600);
    expect(existsSync(previousFile())).toBe(false);
    expect(online.stderr).not.toContain(second);
    await untilOutput(platform.launched, 'member secret: the previous one is retired (2 new password(s) sent)');
    expect(platform.launched.output()).toContain('member secret: rotating now');
    for (const member of before) expect(await switchedNotices(platform, member.memberId)).toBe(1);
    expect(await signIn(platform, before[0], first)).toMatch(/Bad username or password|Not authorized/i);
    expect(await signIn(platform, before[0], second)).toBe('accepted');
    // Retired only after the silence grace: a member whose agent had dropped its connection would be Lost by then anyway. None is.
    expect(await members(platform)).toEqual({ status: 'Active', members: before });

    // Stopped: the next start sends the new passwords (members outlive the launcher, and are adopted).
    await platform.stop();
    const offline = await runCli(['secrets', 'rotate', 'member-secret', '--home', home], { env: { DATABASE_URL: '' }, timeoutMs: 60_000 });
    expect([offline.code, offline.stderr]).toEqual([0, expect.stringMatching(/the platform is not running: at its next start it sends each member its new password/)]);
    expect(readFileSync(previousFile(), 'utf8').trim()).toBe(second);
    const third = readFileSync(secretFile(), 'utf8').trim();
    const again = await runCli(['secrets', 'rotate', 'member-secret', '--home', home], { env: { DATABASE_URL: '' }, timeoutMs: 60_000 });
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/the previous rotation of .* member secret is not finished/)]);
    expect(readFileSync(secretFile(), 'utf8').trim()).toBe(third); // refused: nothing changed

    running = await launchPlatform(home, env);
    platform = running;
    expect(platform.launched.output()).toContain('member secret: rotating at this start');
    await untilOutput(platform.launched, 'member secret: the previous one is retired (2 new password(s) sent)', 90_000);
    expect(existsSync(previousFile())).toBe(false);
    for (const member of before) expect(await switchedNotices(platform, member.memberId)).toBe(2);
    expect(await signIn(platform, before[0], second)).toMatch(/Bad username or password|Not authorized/i);
    expect(await signIn(platform, before[0], third)).toBe('accepted');
    expect(await members(platform)).toEqual({ status: 'Active', members: before });
    expect((await platform.api('POST', '/applications/kept/undeploy')).status).toBe(202);
  }, 300_000);
});
