import fc from 'fast-check';
import { MemberStatus } from '@stratos/contracts';
import { clusterTree, exportedProperties, hostTree, linkedClusters, listedByCluster, memberTree, type TreeCluster, type TreeMember } from './metadata-tree';

const aCluster = (alias: string, overrides: Partial<TreeCluster> = {}): TreeCluster => ({
  clusterId: `app.${alias}`,
  applicationId: 'app',
  alias,
  serviceName: alias,
  minMembers: 1,
  maxMembers: 3,
  groupPath: [],
  startsAfter: [],
  properties: {},
  exports: {},
  ...overrides,
});
const aMember = (memberId: string, clusterId: string, overrides: Partial<TreeMember> = {}): TreeMember => ({
  memberId,
  clusterId,
  status: MemberStatus.Active,
  sid: 1,
  instanceId: '42',
  host: '127.0.0.2',
  ports: [{ name: 'client', protocol: 'tcp', port: 2181, hostPort: 2181 }],
  networkPartitionId: 'np-1',
  partitionId: 'p-1',
  ...overrides,
});

describe('memberTree', () => {
  const zk = aCluster('zk', { properties: { TICK: '2000', 'payload_parameter.X': 'y' } });
  const members = [
    aMember('zk-a', 'app.zk', { sid: 1, host: '127.0.0.2' }),
    aMember('zk-b', 'app.zk', { sid: 2, host: '127.0.0.3', status: MemberStatus.Starting }),
    aMember('zk-c', 'app.zk', { sid: 3, host: '127.0.0.4', status: MemberStatus.Lost }),
    aMember('zk-d', 'app.zk', { sid: 3, host: null, status: MemberStatus.Created }),
  ];

  it('gives a member itself, its listed peers with their status, its cluster and its properties', () => {
    const tree = memberTree(members[0], [zk], members);
    expect(tree).toEqual({
      '/host/member_id': 'zk-a',
      '/host/instance_id': '42',
      '/host/ip': '127.0.0.2',
      '/host/sid': '1',
      '/host/cluster_id': 'app.zk',
      '/host/partition': 'p-1',
      '/host/network_partition': 'np-1',
      '/host/port/client': '2181',
      '/cluster/cluster_id': 'app.zk',
      '/cluster/application_id': 'app',
      '/cluster/alias': 'zk',
      '/cluster/service': 'zk',
      '/cluster/size': '2',
      '/cluster/min': '1',
      '/cluster/max': '3',
      '/hosts/zk-a/member_id': 'zk-a',
      '/hosts/zk-a/ip': '127.0.0.2',
      '/hosts/zk-a/sid': '1',
      '/hosts/zk-a/status': 'Active',
      '/hosts/zk-a/port/client': '2181',
      '/hosts/zk-b/member_id': 'zk-b',
      '/hosts/zk-b/ip': '127.0.0.3',
      '/hosts/zk-b/sid': '2',
      '/hosts/zk-b/status': 'Starting',
      '/hosts/zk-b/port/client': '2181',
      '/env/TICK': '2000',
      '/env/payload_parameter.X': 'y',
    });
  });

  it("shows a cluster's artifact revision only when its members clone artifacts", () => {
    const m = aMember('m-1', 'app.web');
    expect(memberTree(m, [aCluster('web', { hasArtifacts: true, artifactRevision: 3 })], [m])['/artifacts/revision']).toBe('3');
    expect(Object.keys(memberTree(m, [aCluster('web', { artifactRevision: 3 })], [m])).filter((k) => k.startsWith('/artifacts'))).toEqual([]);
  });

  it('leaves out members that are Lost, Terminated or not launched yet', () => {
    const keys = Object.keys(memberTree(members[1], [zk], members));
    expect(keys.filter((k) => k.startsWith('/hosts/zk-c') || k.startsWith('/hosts/zk-d'))).toEqual([]);
  });

  it('shows the clusters it starts after, with what they export and nothing else of theirs', () => {
    const db = aCluster('db', { properties: { PASSWORD: 's3cret', INTERNAL: 'x', EXPORT_METADATA_KEYS: 'PASSWORD' }, exports: { PASSWORD: 's3cret' } });
    const web = aCluster('web', { startsAfter: ['cartridge.db'] });
    const all = [aMember('db-1', 'app.db', { host: '127.0.0.9', ports: [{ name: 'pg', protocol: 'tcp', port: 5432, hostPort: 5432 }] }), aMember('web-1', 'app.web')];
    const tree = memberTree(all[1], [db, web], all);
    expect(tree['/links/db/hosts/db-1/ip']).toBe('127.0.0.9');
    expect(tree['/links/db/hosts/db-1/port/pg']).toBe('5432');
    expect(tree['/links/db/cluster/size']).toBe('1');
    expect(tree['/links/db/env/PASSWORD']).toBe('s3cret');
    expect(Object.keys(tree).filter((k) => k.includes('INTERNAL'))).toEqual([]);
    // and the database sees nothing of the web tier
    expect(Object.keys(memberTree(all[0], [db, web], all)).filter((k) => k.startsWith('/links'))).toEqual([]);
  });

  it('leaves Suspended members out of what other clusters see, and in their own cluster with their status', () => {
    const db = aCluster('db');
    const web = aCluster('web', { startsAfter: ['cartridge.db'] });
    const all = [aMember('db-1', 'app.db', { status: MemberStatus.Suspended }), aMember('db-2', 'app.db', { sid: 2 }), aMember('web-1', 'app.web')];
    const tree = memberTree(all[2], [db, web], all);
    expect(Object.keys(tree).filter((k) => k.startsWith('/links/db/hosts/')).map((k) => k.split('/')[4])).toEqual(['db-2', 'db-2', 'db-2', 'db-2', 'db-2']);
    expect(tree['/links/db/cluster/size']).toBe('1');
    const own = memberTree(all[1], [db, web], all);
    expect([own['/hosts/db-1/status'], own['/cluster/size']]).toEqual([MemberStatus.Suspended, '2']);
  });

  it('links every cluster of a group it starts after, by each cluster alias', () => {
    const a = aCluster('a', { groupPath: ['g'] });
    const b = aCluster('b', { groupPath: ['g'] });
    const c = aCluster('c', { startsAfter: ['group.g'] });
    expect(linkedClusters(c, [a, b, c]).map((x) => x.alias)).toEqual(['a', 'b']);
  });

  it("links, inside a group that scales, its own instance's clusters; from outside it, every instance's members under the one alias", () => {
    const instance = (n: number) => ({ group: 'stack', instance: n, minInstances: 1, maxInstances: 2 });
    const db1 = aCluster('db', { groupPath: ['stack'], groupInstance: instance(1) });
    const db2 = aCluster('db', { clusterId: 'app.db~g2', groupPath: ['stack'], groupInstance: instance(2) });
    const web1 = aCluster('web', { groupPath: ['stack'], startsAfter: ['cartridge.db'], groupInstance: instance(1) });
    const web2 = aCluster('web', { clusterId: 'app.web~g2', groupPath: ['stack'], startsAfter: ['cartridge.db'], groupInstance: instance(2) });
    const lb = aCluster('lb', { startsAfter: ['group.stack'] });
    const clusters = [db1, db2, web1, web2, lb];
    const all = [aMember('db-1', 'app.db'), aMember('db-2', 'app.db~g2', { host: '127.0.0.8' }), aMember('web-1', 'app.web'), aMember('web-2', 'app.web~g2'), aMember('lb-1', 'app.lb')];
    expect(linkedClusters(web2, clusters).map((c) => c.clusterId)).toEqual(['app.db~g2']);
    const tree = memberTree(all[3], clusters, all);
    expect([tree['/links/db/cluster/cluster_id'], tree['/links/db/hosts/db-2/ip'], tree['/links/db/hosts/db-1/ip']]).toEqual(['app.db~g2', '127.0.0.8', undefined]);
    // The balancer in front: both instances' web members (and db's) under /links/web, the first instance's cluster keys, the size of them all.
    const front = memberTree(all[4], clusters, all);
    expect(Object.keys(front).filter((k) => /^\/links\/web\/hosts\/[^/]+\/member_id$/.test(k)).map((k) => front[k])).toEqual(['web-1', 'web-2']);
    expect([front['/links/web/cluster/cluster_id'], front['/links/web/cluster/size']]).toEqual(['app.web', '2']);
  });

  it('never lets a name open another branch of the tree', () => {
    const odd = aCluster('zk', { properties: { 'a/../../host/ip': 'forged' } });
    const tree = memberTree(members[0], [odd], members);
    expect(tree['/host/ip']).toBe('127.0.0.2');
    expect(tree['/env/a_.._.._host_ip']).toBe('forged');
  });

  it('adds metadata properties: the application\'s and its cluster\'s to /env, a linked cluster\'s to /links/<alias>/env, multi-valued', () => {
    const db = aCluster('db', { metadata: [{ key: 'PASSWORD', values: ['p1'] }] });
    const web = aCluster('web', { startsAfter: ['cartridge.db'], metadata: [{ key: 'HOSTS', values: ['a', 'b'] }] });
    const all = [aMember('db-1', 'app.db'), aMember('web-1', 'app.web')];
    const tree = memberTree(all[1], [db, web], all, [{ key: 'MODE', values: ['prod'] }]);
    expect(tree['/env/MODE']).toBe('prod');
    expect(tree['/env/MODE/0']).toBe('prod');
    expect(tree['/env/HOSTS']).toBe('a,b');
    expect(tree['/env/HOSTS/1']).toBe('b');
    expect(tree['/links/db/env/PASSWORD']).toBe('p1');
    // the database does not see the web tier's properties
    expect(memberTree(all[0], [db, web], all, [])['/env/HOSTS']).toBeUndefined();
  });

  it('refuses a member whose cluster it was not given', () => {
    expect(() => memberTree(members[0], [], members)).toThrow(/cluster app.zk/);
  });
});

describe('exportedProperties', () => {
  it('takes the keys EXPORT_METADATA_KEYS names, as plain or payload parameters', () => {
    expect(exportedProperties({ EXPORT_METADATA_KEYS: 'HOST, PORT,NONE', HOST: 'h', 'payload_parameter.PORT': '5432', OTHER: 'o' })).toEqual({ HOST: 'h', PORT: '5432' });
    expect(exportedProperties({ 'payload_parameter.EXPORT_METADATA_KEYS': 'A', A: '1' })).toEqual({ A: '1' });
    expect(exportedProperties({ A: '1' })).toEqual({});
  });
});

describe('the tree in two parts (clusterTree, hostTree)', () => {
  const statuses = Object.values(MemberStatus);
  const arbitraryMembers = fc.uniqueArray(
    fc.record({
      memberId: fc.stringMatching(/^[a-z]{1,3}-[0-9a-f]{1,4}$/),
      cluster: fc.constantFrom('app.db', 'app.web'),
      status: fc.constantFrom(...statuses),
      sid: fc.nat(9),
      host: fc.option(fc.ipV4(), { nil: null }),
    }),
    { minLength: 1, maxLength: 12, selector: (m) => m.memberId },
  );
  const db = aCluster('db', { exports: { DB_NAME: 'shop' }, properties: { DB_PASSWORD: 'secret' } });
  const web = aCluster('web', { startsAfter: ['cartridge.db'], hasArtifacts: true, artifactRevision: 2, metadata: [{ key: 'K', values: ['a', 'b'] }] });

  it('merge to the whole tree: the cluster part has no /host key, the member part nothing else', () => {
    fc.assert(
      fc.property(arbitraryMembers, (drawn) => {
        const members = drawn.map((m) => aMember(m.memberId, m.cluster, { status: m.status, sid: m.sid, host: m.host }));
        const listed = listedByCluster(members);
        for (const member of members) {
          const cluster = member.clusterId === db.clusterId ? db : web;
          const shared = clusterTree(cluster, [db, web], listed, [{ key: 'MODE', values: ['prod'] }]);
          const own = hostTree(member);
          expect(Object.keys(shared).filter((k) => k.startsWith('/host/'))).toEqual([]);
          expect(Object.keys(own).every((k) => k.startsWith('/host/'))).toBe(true);
          expect({ ...shared, ...own }).toEqual(memberTree(member, [db, web], members, [{ key: 'MODE', values: ['prod'] }]));
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('gives every member of a cluster the same cluster part, which lists its listed members only', () => {
    const members = [aMember('web-1', web.clusterId), aMember('web-2', web.clusterId, { sid: 2, host: '127.0.0.3' }), aMember('web-3', web.clusterId, { host: null, status: MemberStatus.Created }), aMember('db-1', db.clusterId)];
    const shared = clusterTree(web, [db, web], listedByCluster(members));
    expect(Object.keys(shared).filter((k) => /^\/hosts\/[^/]+\/member_id$/.test(k)).sort()).toEqual(['/hosts/web-1/member_id', '/hosts/web-2/member_id']);
    expect(shared['/links/db/env/DB_NAME']).toBe('shop');
    expect(Object.values(shared)).not.toContain('secret'); // the database's own /env is not the web cluster's
    expect(shared['/artifacts/revision']).toBe('2');
  });
});

describe('the tenants of a multi-tenant cluster', () => {
  it('names each signed-up tenant under /tenants/<id>: its domain, the sign-up revision, its repository without credentials and the revision its hooks move', () => {
    const web = aCluster('web', { tenants: [{ tenantId: 3, domain: 'acme.com', revision: 2, artifactsUrl: 'https://git/acme.git', artifactsRevision: 4 }, { tenantId: 7, domain: 'globex.org', revision: 1 }] });
    const tree = clusterTree(web, [web], listedByCluster([]));
    expect(Object.fromEntries(Object.entries(tree).filter(([k]) => k.startsWith('/tenants/')))).toEqual({
      '/tenants/3/domain': 'acme.com',
      '/tenants/3/revision': '2',
      '/tenants/3/artifacts/url': 'https://git/acme.git',
      '/tenants/3/artifacts/revision': '4',
      '/tenants/7/domain': 'globex.org',
      '/tenants/7/revision': '1',
    });
    expect(Object.keys(clusterTree(aCluster('db'), [aCluster('db')], listedByCluster([]))).some((k) => k.startsWith('/tenants/'))).toBe(false);
  });
});

describe("the tenants' domain mappings", () => {
  it('names each mapped domain in every cluster of the application, the root context path as ""', () => {
    const [web, lb] = [aCluster('web'), aCluster('lb')];
    const domains = [
      { domainName: 'www.acme.com', tenantId: 3, tenantDomain: 'acme.com', alias: 'web', contextPath: '/' },
      { domainName: 'shop.globex.org', tenantId: 7, tenantDomain: 'globex.org', alias: 'web', contextPath: '/shop' },
    ];
    for (const cluster of [web, lb]) {
      const tree = clusterTree(cluster, [web, lb], listedByCluster([]), [], domains);
      expect(Object.fromEntries(Object.entries(tree).filter(([k]) => k.startsWith('/domains/')))).toEqual({
        '/domains/www.acme.com/tenant_id': '3',
        '/domains/www.acme.com/tenant_domain': 'acme.com',
        '/domains/www.acme.com/alias': 'web',
        '/domains/www.acme.com/context_path': '',
        '/domains/shop.globex.org/tenant_id': '7',
        '/domains/shop.globex.org/tenant_domain': 'globex.org',
        '/domains/shop.globex.org/alias': 'web',
        '/domains/shop.globex.org/context_path': '/shop',
      });
    }
  });
});
