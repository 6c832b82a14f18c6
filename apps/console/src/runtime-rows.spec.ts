import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ApplicationRuntime, ClusterView, MemberView } from '@stratos/contracts';
import { crashLoopCount, treeRows } from './runtime-rows';

const member = (memberId: string, sid: number, status = 'Active'): MemberView => ({ memberId, sid, status, host: '127.0.0.1', partitionId: 'p', networkPartitionId: 'np' }) as MemberView;
const cluster = (alias: string, groupPath: string[], members: MemberView[]): ClusterView => ({ clusterId: `app.${alias}`, alias, serviceName: alias, groupPath, members, status: 'Active', minMembers: 1, maxMembers: 2 }) as ClusterView;
const app = (clusters: ClusterView[], groups: ApplicationRuntime['groups'] = []): ApplicationRuntime => ({ applicationId: 'app', tenantId: null, status: 'Active', policyId: 'p', deployedAt: '', groups, clusters });

describe('treeRows', () => {
  it('lays out application → clusters → members by slot, then each group with its clusters, indented by depth', () => {
    const rows = treeRows([app([cluster('web', ['/'], [member('w2', 2), member('w1', 1)]), cluster('db', ['g'], [member('d1', 1)])], [{ alias: 'g', groupPath: [], status: 'Active', instances: 1 }])], new Set(), '');
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.key}`)).toEqual(['a:app', '  c:app.web', '    m:w1', '    m:w2', '  g:app/g', '    c:app.db', '      m:d1']);
  });

  it('leaves out what is collapsed, and members the filter does not match', () => {
    const applications = [app([cluster('web', [], [member('w1', 1), member('w2', 2, 'Lost')])])];
    expect(treeRows(applications, new Set(['c:app.web']), '').map((r) => r.key)).toEqual(['a:app', 'c:app.web']);
    expect(treeRows(applications, new Set(['a:app']), '').map((r) => r.key)).toEqual(['a:app']);
    expect(treeRows(applications, new Set(), 'lost').map((r) => r.key)).toEqual(['a:app', 'c:app.web', 'm:w2']);
  });

  it('shows only the clusters in a crash loop when asked, with their applications and groups', () => {
    const crashes = { inARow: 3, lastMemberId: 'd1', lastReason: 'the start command exited (code 3)', lastAt: '', nextLaunchAt: '' };
    const looping = { ...cluster('db', ['g'], [member('d1', 1, 'Lost')]), crashes };
    const calm = app([cluster('web', ['/'], [member('w1', 1)])]);
    const applications = [app([cluster('web', ['/'], [member('w1', 1)]), looping], [{ alias: 'g', groupPath: [], status: 'Active', instances: 1 }, { alias: 'h', groupPath: [], status: 'Active', instances: 1 }]), { ...calm, applicationId: 'calm' }];
    expect(crashLoopCount(applications)).toBe(1);
    expect(treeRows(applications, new Set(), '', { onlyCrashLoops: true }).map((r) => r.key)).toEqual(['a:app', 'g:app/g', 'c:app.db', 'm:d1']);
    expect(treeRows(applications, new Set(), '').map((r) => r.key)).toContain('a:calm');
    expect(crashLoopCount([calm])).toBe(0);
    expect(treeRows([calm], new Set(), '', { onlyCrashLoops: true })).toEqual([]);
  });

  it('has one row per member, each key once, whatever the members (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(500), { maxLength: 60 }), fc.nat(3), (sids, clusters) => {
        const members = sids.map((sid) => member(`m${sid}`, sid));
        const split = Array.from({ length: clusters + 1 }, (_, c) => cluster(`c${c}`, [], members.filter((_, i) => i % (clusters + 1) === c)));
        const rows = treeRows([app(split)], new Set(), '');
        expect(rows.filter((r) => r.kind === 'member')).toHaveLength(members.length);
        expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
      }),
      { seed: 14, numRuns: 200 },
    );
  });
});
