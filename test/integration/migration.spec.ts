/**
 * Cold migration of a local member to another region's folder (`stratos member migrate`): the
 * member stops, its volume's data is copied, and it starts in the target region with the same id,
 * slot and data, its downtime printed; the source keeps no copy. A target that does not answer is
 * refused before anything changes; a target that fails mid-way rolls the member back to its
 * source, running, with its data. Bad requests name the field.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { MemberMigrationView, MemberView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { runCli } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
// The workload keeps a random seed in its volume (written once), counts its boots there, and shows what it found in its own root.
const START = 'R="${STRATOS_ROOT%/}"; [ -f "$R/data/seed" ] || head -c 65536 /dev/urandom > "$R/data/seed"; echo boot >> "$R/data/boots"; mkdir -p "$R/opt"; cp "$R/data/seed" "$R/opt/seen"; exec sleep 3600';

describe('cold migration of a member between local regions', () => {
  let platform: TestPlatform;
  let west: string;
  let member: MemberView;
  const slotOf = (base: string) => join(base, 'volumes', 'keep.keep-1', 'slot-1', 'data');
  const cli = (...args: string[]) => runCli(args, { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 120_000 });
  const now = async () => (await platform.runtime('keep')).clusters[0].members as MemberView[];

  beforeAll(async () => {
    west = await mkdtemp(join(tmpdir(), 'stratos-region-west-'));
    await chmod(west, 0o755); // members of a root controller run as users of their own
    platform = await startTestPlatform({ broker: 'aedes', regions: [{ driver: 'local', region: 'west', endpoint: west }] });
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-local', provider: 'local', partitions: [{ id: 'home' }, { id: 'west-a', property: [{ name: 'region', value: 'west' }] }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-local', networkPartitions: [{ id: 'np-local', partitionAlgo: 'one-after-another', partitions: [{ id: 'home', partitionMax: 1 }, { id: 'west-a', partitionMax: 1 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-local', networkPartitions: ['np-local'] }));
    await platform.post(
      '/cartridges',
      aCartridge({
        type: 'keeper',
        portMapping: [],
        iaasProvider: [{ type: 'local', imageId: 'agent' }],
        persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data', removeOnTermination: false }] },
        property: [{ name: 'payload_parameter.START_COMMAND', value: START }],
      }),
    );
    await platform.post('/applications', anApplication({ applicationId: 'keep', components: { cartridges: [aSubscription('keeper', 'keep-1', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'keep-1', deploymentPolicy: 'dp-local' } })] } }));
    await platform.post('/applications/keep/deploy/ap-local', undefined, 202);
    await until('keep Active', async () => (await platform.runtime('keep')).status === 'Active', 60_000);
    [member] = await now();
    await until('the seed is written', async () => existsSync(join(slotOf(platform.home), 'seed')));
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    if (west) await rm(west, { recursive: true, force: true });
  });

  it('refuses what is no migration, naming the field, and changes nothing', async () => {
    expect(member.partitionId).toBe('home');
    for (const [body, path, status] of [
      [{ to: 'mars' }, '/to', 400],
      [{ to: 'home' }, '/to', 400],
      [{ to: 'west-a', mode: 'LIVE' }, '/mode', 400],
      [{ to: 'west-a', mode: 'warm' }, '/mode', 400],
      [{ to: 'west-a', extra: 1 }, '/extra', 400],
      [{}, '/to', 400],
    ] as const) {
      const refused = await platform.api('POST', `/members/${member.memberId}/migrate`, { body });
      expect([JSON.stringify(body), refused.status, refused.body.errors?.[0]?.path]).toEqual([JSON.stringify(body), status, path]);
    }
    expect((await platform.api('POST', '/members/nobody-1/migrate', { body: { to: 'west-a' } })).status).toBe(404);
    // A cartridge's own default that is no mode is refused at deploy, at its pointer.
    await platform.post('/cartridges', aCartridge({ type: 'restless', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }], property: [{ name: 'migration.mode', value: 'warm' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'restless', components: { cartridges: [aSubscription('restless', 'restless-1', { subscribableInfo: { alias: 'restless-1', deploymentPolicy: 'dp-local' } })] } }));
    const badMode = await platform.api('POST', '/applications/restless/deploy/ap-local');
    expect([badMode.status, badMode.body.errors]).toEqual([400, [{ path: '/cartridges/restless/property/0/value', message: 'must be cold or live', allowed: ['cold', 'live'] }]]);
    // A target region that does not answer (its folder cannot hold members): refused before the member stops.
    await writeFile(join(west, 'members'), 'not a folder');
    const down = await platform.api('POST', `/members/${member.memberId}/migrate`, { body: { to: 'west-a' } });
    expect([down.status, down.body.message]).toEqual([409, expect.stringMatching(/^the local@west engine of partition "west-a" does not answer/)]);
    await rm(join(west, 'members'));
    expect(await now()).toEqual([expect.objectContaining({ memberId: member.memberId, status: 'Active', partitionId: 'home', instanceId: member.instanceId })]);
  });

  it('rolls a migration whose target fails back to the source: the member runs there again, with its data, and the target keeps no copy', async () => {
    const seed = sha(join(slotOf(platform.home), 'seed'));
    // The member's folder in the target region cannot be made: its launch there fails after the data was copied.
    await mkdir(join(west, 'members'), { recursive: true });
    await writeFile(join(west, 'members', member.memberId), 'in the way');
    try {
      const failed = await cli('member', 'migrate', member.memberId, '--to', 'west-a');
      expect([failed.code, failed.stderr]).toEqual([1, expect.stringContaining(`the migration failed: `)]);
      expect(failed.stderr).toContain(`${member.memberId} runs on np-local/home again, with its data`);
    } finally {
      await rm(join(west, 'members', member.memberId), { force: true });
    }
    const back = await until('the member Active on the source', async () => (await now()).find((m) => m.status === 'Active' && m.partitionId === 'home'));
    expect([back.memberId, back.sid, back.driver]).toEqual([member.memberId, 1, 'local']);
    expect(sha(join(slotOf(platform.home), 'seed'))).toBe(seed);
    await until('it booted again', async () => readFileSync(join(slotOf(platform.home), 'boots'), 'utf8').trim().split('\n').length === 2);
    expect(existsSync(slotOf(west))).toBe(false);
    member = back;
  });

  it('moves the member to the other region with its data: same id and slot, downtime printed, the source keeps no copy', async () => {
    const seed = sha(join(slotOf(platform.home), 'seed'));
    const database = new pg.Client({ connectionString: platform.databaseUrl });
    await database.connect();
    try {
      const since = Number((await database.query('SELECT max(revision) AS r FROM topology_events')).rows[0].r);
      const moved = await cli('member', 'migrate', member.memberId, '--to', 'west-a');
      expect([moved.code, moved.stderr]).toEqual([0, expect.stringContaining(`migrating ${member.memberId} from np-local/home (local) to np-local/west-a (local@west)`)]);
      const printed = /^migrated (\S+) to np-local\/west-a \(local@west\) in ([\d.]+) s; down ([\d.]+) s, ([\d.]+) MB of data copied$/m.exec(moved.stdout);
      expect(printed?.[1]).toBe(member.memberId);
      expect(Number(printed![4])).toBeGreaterThan(0.06); // the 64 KiB seed, and the rest
      process.stdout.write(`migration: a local member with a 64 KiB volume moved to another region, down ${printed![3]} s (the command took ${printed![2]} s)\n`);

      const [there] = await now();
      expect([there.memberId, there.sid, there.status, there.partitionId, there.driver]).toEqual([member.memberId, 1, 'Active', 'west-a', 'local@west']);
      expect(sha(join(slotOf(west), 'seed'))).toBe(seed);
      expect(readFileSync(join(slotOf(west), 'boots'), 'utf8').trim().split('\n')).toHaveLength(3);
      await until('the workload read its data in the target', async () => existsSync(join(west, 'members', member.memberId, 'root', 'opt', 'seen')) && sha(join(west, 'members', member.memberId, 'root', 'opt', 'seen')) === seed);
      expect(existsSync(slotOf(platform.home))).toBe(false);

      const phases = (await database.query(`SELECT payload->'migration'->>'phase' AS phase FROM topology_events WHERE type = 'MemberMigration' AND revision > $1 ORDER BY revision`, [since])).rows.map((r) => r.phase as string);
      expect(phases.filter((p, i) => p !== phases[i - 1])).toEqual(['Stopping', 'Copying', 'Starting', 'Done']);
      const statuses = (await database.query(`SELECT payload->'member'->>'status' AS status FROM topology_events WHERE type = 'MemberStatusChanged' AND revision > $1 ORDER BY revision`, [since])).rows.map((r) => r.status as string);
      expect(statuses).toEqual(['Migrating', 'Starting', 'Active']); // never Lost, never replaced
      const view = (await database.query(`SELECT payload->'migration' AS m FROM topology_events WHERE type = 'MemberMigration' AND revision > $1 ORDER BY revision DESC LIMIT 1`, [since])).rows[0].m as MemberMigrationView;
      expect(view).toMatchObject({ phase: 'Done', memberId: member.memberId, reason: null, downtimeMs: expect.any(Number) });
    } finally {
      await database.end();
    }
  }, 120_000);

  it('drains a partition: closed to new members, its member migrated to an open one with room; uncordoned, it takes members again', async () => {
    const [before] = await now();
    expect(before.partitionId).toBe('west-a');
    const drained = await cli('partition', 'drain', 'np-local/west-a');
    expect([drained.code, drained.stderr]).toEqual([0, expect.stringContaining('partition np-local/west-a cordoned: no new member goes there; 1 member(s) to move')]);
    expect(drained.stdout).toMatch(new RegExp(`^${before.memberId}\\s+keep\\.keep-1\\s+np-local/home\\s+Done`, 'm'));
    expect(drained.stdout).toMatch(/^drained in [\d.]+ s: 1 of 1 member\(s\) moved; stratos partition uncordon np-local\/west-a opens it again$/m);
    const [moved] = await now();
    expect([moved.memberId, moved.partitionId, moved.status]).toEqual([before.memberId, 'home', 'Active']);

    // A second member has nowhere to go: home is full (partitionMax 1), west-a is cordoned.
    await platform.post('/applications/keep/scale', { alias: 'keep-1', min: 2, max: 2 }, 200);
    await platform.reconcilePasses(3);
    expect((await now()).map((m) => m.memberId)).toEqual([before.memberId]);
    expect((await platform.api('GET', '/networkPartitions/np-local/partitions/west-a/drain')).body).toMatchObject({ cordoned: true, state: 'Finished' });
    const uncordoned = await cli('partition', 'uncordon', 'np-local/west-a');
    expect([uncordoned.code, uncordoned.stdout.trim()]).toEqual([0, 'partition np-local/west-a is open to new members again']);
    const second = await until('a second member in west-a', async () => (await now()).find((m) => m.partitionId === 'west-a' && m.status === 'Active'));
    expect(second.memberId).not.toBe(before.memberId);
    expect((await platform.api('DELETE', '/networkPartitions/np-local/partitions/west-a/drain')).status).toBe(409); // not cordoned now
    expect((await platform.api('POST', '/networkPartitions/np-local/partitions/mars/drain')).status).toBe(404);
  }, 120_000);
});
