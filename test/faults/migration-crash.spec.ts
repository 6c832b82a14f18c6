/**
 * kill -9 of the cloud controller in the middle of a member's migration between two local
 * regions, at a random moment (in each phase in turn — cold: while it stops, copies its 32 MB
 * volume, starts on the target; live: while it copies serving, frozen, starting on the target —
 * then at random), several times back and forth. Cold: the next controller carries the migration
 * on from its stored phase. Live: it settles it — switched already, it finishes; otherwise the
 * target goes and the source, thawed, serves on. Either way the member ends on exactly one side —
 * one agent process, none of it frozen, its record there, Active — with its data (the same seed),
 * never Lost and never replaced.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import type { ApplicationRuntime, MemberView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { sleep, startTestPlatform, until, type TestPlatform } from '../support/platform';
import { liveMemberIds } from '../support/processes';

const RUNS = Number(process.env.MIGRATION_CRASH_RUNS ?? 5);
const SEED = Number(process.env.MIGRATION_CRASH_SEED ?? 20261202);
const START = 'R="${STRATOS_ROOT%/}"; [ -f "$R/data/seed" ] || head -c 33554432 /dev/urandom > "$R/data/seed"; exec sleep 3600';
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The member's agent processes and everything under them that are stopped (state T): a frozen source left so. */
function frozenProcessesOf(memberId: string): number[] {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((pid) => {
      try {
        const [state, parent] = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
        return [{ pid: Number(pid), parent: Number(parent), state, ours: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--member=${memberId}`) }];
      } catch {
        return [];
      }
    });
  const tree = all.filter((p) => p.ours);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.parent === tree[i].pid && !tree.includes(p)));
  return tree.filter((p) => p.state === 'T').map((p) => p.pid);
}

describe('controller crash mid-migration', () => {
  let platform: TestPlatform;
  let west: string;
  let db: pg.Client;
  const slotIn = (base: string) => join(base, 'volumes', 'moving.moving', 'slot-1', 'data', 'seed');

  beforeAll(async () => {
    west = await mkdtemp(join(tmpdir(), 'stratos-region-west-'));
    await chmod(west, 0o755);
    platform = await startTestPlatform({ broker: 'aedes', controllerProcess: true, regions: [{ driver: 'local', region: 'west', endpoint: west }] });
    db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-local', provider: 'local', partitions: [{ id: 'home' }, { id: 'west-a', property: [{ name: 'region', value: 'west' }] }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-local', networkPartitions: [{ id: 'np-local', partitionAlgo: 'one-after-another', partitions: [{ id: 'home', partitionMax: 1 }, { id: 'west-a', partitionMax: 1 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-local', networkPartitions: ['np-local'] }));
    await platform.post('/cartridges', aCartridge({ type: 'mover', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data' }] }, property: [{ name: 'payload_parameter.START_COMMAND', value: START }] }));
    await platform.post('/applications', anApplication({ applicationId: 'moving', components: { cartridges: [aSubscription('mover', 'moving', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'moving', deploymentPolicy: 'dp-local' } })] } }));
    await platform.post('/applications/moving/deploy/ap-local', undefined, 202);
    await until('moving Active', async () => (await platform.runtime('moving')).status === 'Active', 60_000);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await platform?.stop();
    if (west) await rm(west, { recursive: true, force: true });
  });

  for (const mode of ['cold', 'live'] as const)
  it(`ends every ${mode} migration with the member on one side, running, with its data, after kill -9 at a random moment, ${RUNS} times`, async () => {
    const [member] = (await platform.runtime('moving')).clusters[0].members as MemberView[];
    // The previous test may have left the member on either side.
    const startSlot = slotIn(member.partitionId === 'home' ? platform.home : west);
    await until('the seed is written', async () => existsSync(startSlot) && readFileSync(startSlot).length === 32 << 20);
    const seed = sha(startSlot);
    const killAfterMs = fc.sample(fc.integer({ min: 0, max: 1500 }), { seed: SEED, numRuns: RUNS });
    const report: string[] = [];
    for (const [run, delay] of killAfterMs.entries()) {
      const from = (await platform.runtime('moving')).clusters[0].members[0] as MemberView;
      const to = from.partitionId === 'home' ? 'west-a' : 'home';
      const { migrationId } = await platform.post(`/members/${member.memberId}/migrate`, { to, mode }, 202);
      // The fault's moment: in each phase in turn (watched for, every few ms), then at random.
      const phase = async () => (await db.query<{ phase: string }>('SELECT phase FROM member_migrations WHERE migration_id = $1', [migrationId])).rows[0]?.phase;
      const aim = (mode === 'cold' ? ['Stopping', 'Copying', 'Starting'] : ['Copying', 'Freezing', 'Starting'])[run];
      if (aim) for (let seen = await phase(); seen !== aim && seen !== 'Done' && seen !== 'Failed'; seen = await phase()) await sleep(2);
      else await sleep(delay);
      const rows = [{ phase: await phase() }];
      await platform.killController();
      await platform.startController();
      const ended = await until(
        `run ${run}: the migration ended`,
        async () => {
          const { rows: now } = await db.query<{ phase: string; reason: string | null }>('SELECT phase, reason FROM member_migrations WHERE migration_id = $1 AND finished_at IS NOT NULL', [migrationId]);
          return now[0];
        },
        120_000,
      );
      const settled = await until(
        `run ${run}: the member Active on one side`,
        async () => {
          const response = await platform.api<ApplicationRuntime>('GET', '/applications/moving/runtime'); // 503 while the controller comes back
          const members = response.status === 200 ? response.body.clusters[0].members : [];
          return members.length === 1 && members[0].status === 'Active' ? members[0] : undefined;
        },
        60_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message} (the migration ended ${ended.phase}${ended.reason ? `: ${ended.reason}` : ''})\n${await platform.story('moving')}`);
      });
      const side = settled.partitionId === 'home' ? platform.home : west;
      const other = settled.partitionId === 'home' ? west : platform.home;
      expect([settled.memberId, settled.sid]).toEqual([member.memberId, 1]);
      expect(settled.partitionId).toBe(ended.phase === 'Done' ? to : from.partitionId);
      // One agent process, in the region its record names; the data there, whole; none left in the other.
      expect([...liveMemberIds(member.memberId)]).toEqual([member.memberId]);
      expect(frozenProcessesOf(member.memberId)).toEqual([]);
      expect(existsSync(join(side, 'members', member.memberId))).toBe(true);
      expect(existsSync(join(other, 'members', member.memberId, 'member.json'))).toBe(false);
      expect(sha(slotIn(side))).toBe(seed);
      expect(existsSync(slotIn(other))).toBe(false);
      report.push(`run ${run}: killed ${aim ? `in ${aim}` : `${delay} ms after the request`} (${rows[0]?.phase ?? '?'}); ${ended.phase}${ended.reason ? ` (${ended.reason})` : ''}, the member in ${settled.partitionId}`);
    }
    const { rows: lost } = await db.query(`SELECT count(*)::int AS n FROM topology_events WHERE type = 'MemberStatusChanged' AND payload->'member'->>'status' IN ('Lost', 'Terminated')`);
    expect(lost[0].n).toBe(0); // never lost, never replaced
    process.stdout.write(`${mode} migration crash: ${report.join('\n  ')}\n`);
  }, 600_000);
});
