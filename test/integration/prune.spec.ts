/**
 * `stratos prune` on a real Docker engine: a platform whose STRATOS_HOME was deleted left a
 * container, a volume and its network; they are listed, then removed with --yes. A platform
 * whose home is there keeps everything, --yes or not.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Label } from '@stratos/iaas';
import { runCli } from '../support/cli';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';

const docker = dockerForTests();

(docker ? describe : describe.skip)('stratos prune (Docker)', () => {
  const gone = { id: randomUUID(), home: join(tmpdir(), `stratos-deleted-home-${randomUUID()}`) };
  const live = { id: randomUUID(), home: mkdtempSync(join(tmpdir(), 'stratos-live-home-')) };
  const name = (platform: { id: string }, what: string) => `stratos-prune-test-${platform.id.slice(0, 8)}-${what}`;
  const labels = (platform: { id: string; home: string }) => ({ [Label.platform]: platform.id, [Label.home]: platform.home });
  const exists = async (kind: 'container' | 'volume' | 'network', id: string) => {
    const object = kind === 'container' ? docker!.getContainer(id) : kind === 'volume' ? docker!.getVolume(id) : docker!.getNetwork(id);
    return object.inspect().then(
      () => true,
      () => false,
    );
  };
  const prune = async (args: string[]) => {
    const result = await runCli(['prune', ...args, '--json'], { timeoutMs: 60_000 });
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as { platformId: string; home: string; containers: unknown[]; volumes: string[]; networks: string[]; leftOver: boolean; removed: boolean; reason: string }[];
  };

  beforeAll(async () => {
    writeFileSync(join(live.home, 'platform-id'), live.id);
    // What a platform makes: its member network, a member's volume, the member's container (created; running or not, it goes).
    for (const platform of [gone, live]) {
      await docker!.createNetwork({ Name: name(platform, 'net'), Driver: 'bridge', Labels: labels(platform) });
      await docker!.createVolume({ Name: name(platform, 'vol'), Labels: labels(platform) });
      await docker!.createContainer({ name: name(platform, 'member'), Image: AGENT_IMAGE, Labels: labels(platform), HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: name(platform, 'vol'), Target: '/data' }] } });
    }
  });
  afterAll(async () => {
    for (const platform of [gone, live]) {
      await docker!.getContainer(name(platform, 'member')).remove({ force: true }).catch(() => undefined);
      await docker!.getVolume(name(platform, 'vol')).remove().catch(() => undefined);
      await docker!.getNetwork(name(platform, 'net')).remove().catch(() => undefined);
    }
    rmSync(live.home, { recursive: true, force: true });
  });

  it('lists what a deleted home left, removes it with --yes, and never touches a platform whose home is there', async () => {
    const [listed] = await prune(['--platform', gone.id]);
    expect(listed).toMatchObject({ platformId: gone.id, home: gone.home, leftOver: true, removed: false, volumes: [name(gone, 'vol')], networks: [name(gone, 'net')], reason: `${gone.home} is gone (or holds no platform)` });
    expect(listed.containers).toHaveLength(1);
    expect(await exists('container', name(gone, 'member'))).toBe(true); // a listing removes nothing

    const [kept] = await prune(['--platform', live.id, '--yes']);
    expect(kept).toMatchObject({ platformId: live.id, leftOver: false, removed: false });
    for (const [kind, what] of [['container', 'member'], ['volume', 'vol'], ['network', 'net']] as const) expect({ kind, there: await exists(kind, name(live, what)) }).toEqual({ kind, there: true });

    const [removed] = await prune(['--platform', gone.id, '--yes']);
    expect(removed).toMatchObject({ platformId: gone.id, leftOver: true, removed: true });
    for (const [kind, what] of [['container', 'member'], ['volume', 'vol'], ['network', 'net']] as const) expect({ kind, there: await exists(kind, name(gone, what)) }).toEqual({ kind, there: false });
  }, 120_000);

  it('says so when the named platform has nothing on the engine', async () => {
    const result = await runCli(['prune', '--platform', randomUUID()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has anything on this engine/);
  });
});
