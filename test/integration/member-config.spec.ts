/**
 * Members render their config from their metadata tree, as confd would: real agents in local
 * members, a real broker (aedes and Mosquitto with per-member identities), real PostgreSQL.
 * The config is rendered and checked before a member is Active, follows its cluster as members
 * come and go (one reload per burst), and every bad confdir fails the member with a clear
 * reason and no file written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ClusterTopics, MemberTopics, packBundle, topologyTopic, type ApplicationRuntime, type BundleEntry, type ClusterMetadataMessage, type MemberMetadataMessage, type MemberView } from '@stratos/contracts';
import { availableBrokers } from '../support/brokers';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

/** A bundle holding a confdir: confd/conf.d/<name>.toml per resource and confd/templates/<name>.tmpl. */
function aConfdBundle(resources: Record<string, { toml: string; template?: string }>): Buffer {
  const entries: BundleEntry[] = [];
  for (const [name, { toml, template }] of Object.entries(resources)) {
    entries.push({ path: `confd/conf.d/${name}.toml`, kind: 'file', mode: 0o644, content: Buffer.from(toml) });
    if (template !== undefined) entries.push({ path: `confd/templates/${name}.tmpl`, kind: 'file', mode: 0o644, content: Buffer.from(template) });
  }
  return packBundle(entries);
}

const PEERS_TEMPLATE = `{{range $dir := lsdir "/hosts"}}{{$sid := printf "/hosts/%s/sid" $dir}}{{$ip := printf "/hosts/%s/ip" $dir}}server.{{getv $sid}}={{getv $ip}}:2888:3888 # {{$dir}}
{{end}}self={{getv "/host/member_id"}} sid={{getv "/host/sid"}} size={{getv "/cluster/size"}} db={{getv "/links/cfg-db/env/DB_NAME"}} at {{range gets "/links/cfg-db/hosts/*/ip"}}{{.Value}}{{end}}
{{if exists "/env/NOTES"}}notes={{getv "/env/NOTES"}}
{{end}}`;

/** The broker identity a local member was launched with (its agent's initial environment). */
function credentialsOf(member: MemberView): { url: string; username: string; password: string } {
  const env = Object.fromEntries(
    readFileSync(`/proc/${member.instanceId}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return { url: env.MB_URLS, username: env.MB_USERNAME, password: env.MB_PASSWORD };
}

/** With its own identity a member gets its own part of the tree and its cluster's, and is refused another member's, another cluster's, any wildcard and the topology. */
async function expectOwnTreeOnly(member: MemberView, other: MemberView, otherCluster: string): Promise<void> {
  const { url, username, password } = credentialsOf(member);
  const client = await mqtt.connectAsync(url, { username, password, reconnectPeriod: 0, clientId: `test-as-${member.memberId}` });
  try {
    const messages = new Map<string, Promise<MemberMetadataMessage & ClusterMetadataMessage>>();
    const arrived = new Map<string, (m: MemberMetadataMessage & ClusterMetadataMessage) => void>();
    for (const topic of [MemberTopics.metadata(member.memberId), ClusterTopics.metadata(member.clusterId)]) messages.set(topic, new Promise((resolve) => arrived.set(topic, resolve)));
    client.on('message', (topic, body) => arrived.get(topic)?.(JSON.parse(body.toString()) as MemberMetadataMessage & ClusterMetadataMessage));
    for (const topic of messages.keys()) expect((await client.subscribeAsync(topic, { qos: 1 }))[0].qos).toBe(1);
    expect((await messages.get(MemberTopics.metadata(member.memberId)))!.tree['/host/member_id']).toBe(member.memberId);
    expect((await messages.get(ClusterTopics.metadata(member.clusterId)))!.tree['/cluster/cluster_id']).toBe(member.clusterId);
    for (const topic of [MemberTopics.metadata(other.memberId), 'stratos/members/+/metadata', 'stratos/members/#', ClusterTopics.metadata(otherCluster), 'stratos/clusters/+/metadata', 'stratos/clusters/#', 'stratos/topology/#', topologyTopic('MemberStatusChanged')]) {
      // SUBACK 0x80: mqtt.js rejects the subscription.
      await expect(client.subscribeAsync(topic, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    }
  } finally {
    await client.endAsync(true);
  }
}

describe.each(availableBrokers())('member config from metadata over %s', (broker) => {
  let platform: TestPlatform;
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const runtime = (id: string) => platform.runtime(id);
  const membersOf = (rt: ApplicationRuntime, alias: string): MemberView[] => rt.clusters.find((c) => c.alias === alias)?.members ?? [];
  /** A file in a member's own root folder (its `/`). */
  const fileOf = (member: MemberView, path: string) => join(platform.home, 'members', member.memberId, 'root', path);
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    await post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy());
    await post('/applicationPolicies', anApplicationPolicy());
  });
  /** Watches close after each test, passed or failed: a watch left open reconnects into the next suite. */
  const watches: { close(): Promise<void> }[] = [];
  const watchEvents = async () => {
    const watch = await platform.watchEvents();
    watches.push(watch);
    return watch;
  };
  afterEach(async () => {
    for (const watch of watches.splice(0)) await watch.close();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  /** A cartridge whose bundle holds these config resources. */
  const addConfiguredCartridge = async (type: string, resources: Record<string, { toml: string; template?: string }>, more: { name: string; value: string }[] = []) => {
    await post('/cartridges', aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: `${type}-image` }], property: [{ name: 'payload_parameter.CONFD_DEBOUNCE_MS', value: '600' }, ...more] }));
    const stored = await platform.api('PUT', `/cartridges/${type}/bundle`, { raw: aConfdBundle(resources), headers: { 'content-type': 'application/gzip' } });
    expect(stored.status).toBe(200);
  };

  it('renders config before a member is Active, and follows the cluster and its metadata with one reload per burst', async () => {
    await addConfiguredCartridge('cfg-web', {
      peers: {
        toml: `[template]\nsrc = "peers.tmpl"\ndest = "/opt/app/peers.conf"\nkeys = ["/"]\nmode = "0640"\ncheck_cmd = "grep -q '^self=' {{.src}}"\nreload_cmd = "echo reload >> \\"$STRATOS_ROOT/reloads\\""\n`,
        template: PEERS_TEMPLATE,
      },
    });
    await post(
      '/cartridges',
      aCartridge({
        type: 'cfg-db',
        portMapping: [],
        iaasProvider: [{ type: 'mock', imageId: 'db-image' }],
        property: [{ name: 'DB_NAME', value: 'shop' }, { name: 'DB_PASSWORD', value: 'never-exported' }, { name: 'EXPORT_METADATA_KEYS', value: 'DB_NAME' }],
      }),
    );
    await post(
      '/applications',
      anApplication({
        applicationId: 'cfg',
        components: { cartridges: [aSubscription('cfg-db', 'cfg-db'), aSubscription('cfg-web', 'cfg-web', { cartridgeMin: 3, cartridgeMax: 5 })], dependencies: { startupOrders: [{ aliases: ['cartridge.cfg-db', 'cartridge.cfg-web'] }] } },
      }),
    );
    const watch = await watchEvents();
    await post('/applications/cfg/deploy/ap-1', undefined, 202);
    const rt = await until('cfg Active', async () => ((await runtime('cfg')).status === 'Active' ? runtime('cfg') : undefined));
    const webs = membersOf(rt, 'cfg-web');
    expect(webs.map((m) => m.sid).sort()).toEqual([1, 2, 3]);

    // Each member rendered before it was Active: its "config rendered" notice precedes its activation.
    for (const member of webs) {
      const rendered = watch.events.find((e) => e.type === 'MemberNotice' && e.payload.memberId === member.memberId && /^config rendered/.test(e.payload.message));
      const active = watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === member.memberId && e.payload.member.status === 'Active');
      expect(rendered).toBeDefined();
      expect(rendered!.revision).toBeLessThan(active!.revision);
    }
    // Every member converges on the whole ensemble, with its own identity and what the database exports.
    const expected = (self: MemberView, members: MemberView[]) =>
      [...members]
        .sort((a, b) => a.memberId.localeCompare(b.memberId))
        .map((m) => `server.${m.sid}=${m.host}:2888:3888 # ${m.memberId}\n`)
        .join('') + `self=${self.memberId} sid=${self.sid} size=${members.length} db=shop at ${membersOf(rt, 'cfg-db')[0].host}\n`;
    for (const member of webs) await until(`${member.memberId} lists the ensemble`, async () => read(fileOf(member, 'opt/app/peers.conf')) === expected(member, webs), 10_000);
    // Not the database's cluster part either: its /env holds DB_PASSWORD, which it does not export.
    await expectOwnTreeOnly(webs[0], webs[1], membersOf(rt, 'cfg-db')[0].clusterId);
    const file = fileOf(webs[0], 'opt/app/peers.conf');
    expect(readFileSync(file, 'utf8')).not.toContain('never-exported');
    const { statSync } = await import('node:fs');
    expect(statSync(file).mode & 0o777).toBe(0o640);

    const reloadsOf = (member: MemberView) => (read(fileOf(member, 'reloads')) ?? '').split('\n').filter(Boolean).length;
    const reRendersOf = (member: MemberView, after: number) =>
      watch.events.filter((e) => e.revision > after && e.type === 'MemberNotice' && e.payload.memberId === member.memberId && /re-rendered: opt\/app\/peers.conf \(reloaded\)/.test(e.payload.message)).length;

    // A burst of metadata changes (five values posted at once, through Stratos's metadata API) is one re-render and one reload.
    // At once: posted one after the other on a loaded machine, five requests can outlast the agent's debounce and be two bursts.
    const before = webs.map(reloadsOf);
    const postedAt = Math.max(...watch.events.map((e) => e.revision));
    await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5'].map((note) => post('/metadata/applications/cfg/clusters/cfg.cfg-web/properties', { key: 'NOTES', values: [note] })));
    // Each value appended once (an upsert, not a read-modify-write), in the order the requests committed.
    const notes = (await platform.api('GET', '/metadata/applications/cfg/clusters/cfg.cfg-web/properties/NOTES')).body.values as string[];
    expect([...notes].sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    const notesLine = `notes=${notes.join(',')}\n`;
    for (const [i, member] of webs.entries()) {
      await until(`${member.memberId} renders the notes`, async () => read(fileOf(member, 'opt/app/peers.conf'))!.endsWith(notesLine), 10_000);
      await until(`${member.memberId} reports the re-render`, async () => reRendersOf(member, postedAt) > 0);
      expect([member.memberId, reloadsOf(member)]).toEqual([member.memberId, before[i] + 1]);
      expect(reRendersOf(member, postedAt)).toBe(1);
    }

    // A member dies: its replacement takes its slot; every survivor follows, reloading once per re-render and never without a change.
    const victim = webs.find((m) => m.sid === 2)!;
    const survivors = webs.filter((m) => m !== victim);
    const reloadsBefore = survivors.map(reloadsOf);
    const killedAt = Math.max(...watch.events.map((e) => e.revision));
    process.kill(Number(victim.instanceId), 'SIGKILL');
    const replacement = await until('a replacement Active', async () => membersOf(await runtime('cfg'), 'cfg-web').find((m) => m.status === 'Active' && !webs.some((w) => w.memberId === m.memberId)));
    expect(replacement.sid).toBe(2);
    const now = [...survivors, replacement];
    const withNotes = (self: MemberView) => `${expected(self, now)}${notesLine}`;
    for (const member of now) await until(`${member.memberId} lists the replacement`, async () => read(fileOf(member, 'opt/app/peers.conf')) === withNotes(member), 10_000);
    // The fence: each survivor's re-render notice after the replacement was listed.
    const listed = watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === replacement.memberId && e.payload.member.host)!.revision;
    for (const [i, member] of survivors.entries()) {
      await until(`${member.memberId} reports the re-render`, async () => reRendersOf(member, listed) > 0);
      // Each reload has its re-render notice (the notice follows the reload: wait for it), and there is no reload without one.
      await until(`${member.memberId}: one reload per re-render`, async () => reloadsOf(member) - reloadsBefore[i] === reRendersOf(member, killedAt), 5000);
    }
    await post('/applications/cfg/undeploy', undefined, 202);
    await until('cfg gone', async () => (await platform.api('GET', '/applications/cfg/runtime')).status === 404);
  });

  it('fails a member whose confdir is bad, with a reason that names the fault, writing nothing', async () => {
    const bad = {
      'bad-dest': { toml: `[template]\nsrc = "x.tmpl"\ndest = "/../../escaped.conf"\nkeys = ["/"]\n`, template: 'x' },
      'bad-root': { toml: `[template]\nsrc = "x.tmpl"\ndest = "/var/x.conf"\nkeys = ["/"]\n`, template: 'x' },
      'bad-src': { toml: `[template]\nsrc = "../../../etc/passwd"\ndest = "/opt/app/x.conf"\nkeys = ["/"]\n` },
      'bad-tmpl': { toml: `[template]\nsrc = "x.tmpl"\ndest = "/opt/app/x.conf"\nkeys = ["/"]\n`, template: 'line one\n{{getv "/hosts/none"}}\n' },
      'bad-check': { toml: `[template]\nsrc = "x.tmpl"\ndest = "/opt/app/x.conf"\nkeys = ["/"]\ncheck_cmd = "echo the config is wrong >&2; exit 3"\n`, template: 'x' },
      'bad-toml': { toml: `[template\nsrc = `, template: 'x' },
    };
    const reasons: Record<string, RegExp> = {
      'bad-dest': /dest \/\.\.\/\.\.\/escaped\.conf has "\.\." segments/,
      'bad-root': /dest \/var\/x\.conf is outside the folders templates may write \(\/opt\)/,
      'bad-src': /src \.\.\/\.\.\/\.\.\/etc\/passwd is outside the confdir's templates\//,
      'bad-tmpl': /template: x\.tmpl:2:3: executing "x\.tmpl" at <getv "\/hosts\/none">: error calling getv: key does not exist/,
      'bad-check': /check_cmd failed \(exit 3\): the config is wrong; .*x\.conf is unchanged/,
      'bad-toml': /conf\.d\/x\.toml: Invalid TOML document/,
    };
    const subscriptions = [];
    for (const [type, resource] of Object.entries(bad)) {
      const more = type === 'bad-root' ? [{ name: 'payload_parameter.CONFD_DEST_ROOTS', value: '/opt' }] : [];
      await addConfiguredCartridge(type, { x: resource }, more);
      subscriptions.push(aSubscription(type, `${type}-1`));
    }
    await post('/applications', anApplication({ applicationId: 'bad', components: { cartridges: subscriptions } }));
    const watch = await watchEvents();
    await post('/applications/bad/deploy/ap-1', undefined, 202);
    for (const [type, reason] of Object.entries(reasons)) {
      const lost = await until(`${type} fails`, async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === `bad.${type}-1` && e.payload.member.status === 'Lost'));
      expect(lost.payload.reason).toMatch(reason);
      expect(lost.payload.from).not.toBe('Active');
    }
    // Nothing was written where any of them pointed, nor left staged beside it.
    const { readdirSync } = await import('node:fs');
    const written = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : []);
    for (const member of (await runtime('bad')).clusters.flatMap((c) => c.members)) expect(written(join(platform.home, 'members', member.memberId, 'root', 'opt', 'app')).filter((f) => f.includes('x.conf'))).toEqual([]);
    expect(existsSync(join(platform.home, 'escaped.conf'))).toBe(false);
    await post('/applications/bad/undeploy?force=true', undefined, 202);
    await until('bad gone', async () => (await platform.api('GET', '/applications/bad/runtime')).status === 404);
  });
});
