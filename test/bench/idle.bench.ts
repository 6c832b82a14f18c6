/**
 * What members that do nothing cost the platform: CPU of the controller's process (with the
 * manager, which idles), of the embedded broker (aedes over TLS in a process of its own, as
 * `npm start` runs it) and of PostgreSQL over quiet windows, with no member (before and after) and with N idle
 * local members, reported per 1,000 members. The members' own CPU (their agents'
 * health reports) is theirs, not the platform's, and is not counted. Production settings: the
 * default resync (BENCH_RECONCILE_MS overrides it), a health report per member every 15 s (the default).
 */
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { postgresCpuSeconds, processCpuSeconds, threadCpuSeconds } from './cpu';
import { join } from 'node:path';
import { startBenchPlatform, type BenchPlatform } from './bench-platform';
import { table } from './stats';
import { DEFAULT_RECONCILE_INTERVAL_MS } from '../../apps/cloud-controller/src/config';

/** BENCH_PROFILE=FILE: the platform process's CPU profile over the window with members (open it in Chrome's DevTools). */
async function quietWindow(platform: BenchPlatform, seconds: number, profile?: string): Promise<{ platform: number; broker: number; postgres: number; threads: Map<string, { user: number; system: number }> }> {
  const session = profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await new Promise((resolve, reject) => session.post('Profiler.enable', () => session.post('Profiler.start', (error) => (error ? reject(error) : resolve(undefined)))));
  }
  const pg0 = postgresCpuSeconds(platform.postgresDataDir);
  const broker0 = processCpuSeconds(platform.brokerPid!);
  const own0 = process.cpuUsage();
  const threads0 = threadCpuSeconds();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const own = process.cpuUsage(own0);
  const threads = threadCpuSeconds();
  for (const [name, used] of threads) threads.set(name, { user: (used.user - (threads0.get(name)?.user ?? 0)) / seconds, system: (used.system - (threads0.get(name)?.system ?? 0)) / seconds });
  if (session && profile) {
    const result = await new Promise<{ profile: unknown }>((resolve, reject) => session.post('Profiler.stop', (error, value) => (error ? reject(error) : resolve(value as { profile: unknown }))));
    await writeFile(profile, JSON.stringify(result.profile));
    session.disconnect();
  }
  return { platform: (own.user + own.system) / 1e6 / seconds, broker: (processCpuSeconds(platform.brokerPid!) - broker0) / seconds, postgres: (postgresCpuSeconds(platform.postgresDataDir) - pg0) / seconds, threads };
}

type Window = Awaited<ReturnType<typeof quietWindow>>;

/** Two windows' mean, thread by thread too. */
function mean(a: Window, b: Window): Window {
  const threads = new Map<string, { user: number; system: number }>();
  for (const name of new Set([...a.threads.keys(), ...b.threads.keys()])) {
    const x = a.threads.get(name) ?? { user: 0, system: 0 };
    const y = b.threads.get(name) ?? { user: 0, system: 0 };
    threads.set(name, { user: (x.user + y.user) / 2, system: (x.system + y.system) / 2 });
  }
  return { platform: (a.platform + b.platform) / 2, broker: (a.broker + b.broker) / 2, postgres: (a.postgres + b.postgres) / 2, threads };
}

export async function benchIdle(members = Number(process.env.BENCH_IDLE_MEMBERS ?? 100), windowS = Number(process.env.BENCH_IDLE_WINDOW_S ?? 30)): Promise<string> {
  const tls = process.env.BENCH_IDLE_TLS !== 'off'; // off: what TLS costs the broker, by difference
  const platform = await startBenchPlatform({ brokerProcess: { tls }, reconcileIntervalMs: Number(process.env.BENCH_RECONCILE_MS ?? DEFAULT_RECONCILE_INTERVAL_MS) });
  try {
    await platform.call('POST', '/cartridges', { type: 'idle', provider: 'bench', category: 'framework', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }] }, 201);
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'mock', partitions: [{ id: 'p' }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: 10_000 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    const before = await quietWindow(platform, windowS);
    await platform.call('POST', '/applications', { applicationId: 'idle', components: { cartridges: [{ type: 'idle', cartridgeMin: members, cartridgeMax: members, subscribableInfo: { alias: 'idle-web', autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } }, 201);
    await platform.call('POST', '/applications/idle/deploy/ap', undefined, 202);
    for (let waited = 0; (await platform.call('GET', '/applications/idle/runtime')).status !== 'Active'; waited++) {
      if (waited > 600) throw new Error(`${members} members did not become Active within 10 min`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 5000)); // the activation's aftermath (templates, metadata) settles
    const busy = await quietWindow(platform, windowS, process.env.BENCH_PROFILE);
    await platform.call('POST', '/applications/idle/undeploy?force=true', undefined, 202);
    for (let waited = 0; existsSync(join(platform.home, 'members')) && readdirSync(join(platform.home, 'members')).length > 0 && waited < 120; waited++) await new Promise((r) => setTimeout(r, 1000));
    await new Promise((r) => setTimeout(r, 5000)); // the undeploy's aftermath settles
    // No member again, after them: the machine's own noise moves a baseline by tenths of a percent, which the
    // per-1,000 figure multiplies; the members' window is measured against the mean of the two around it.
    const after = await quietWindow(platform, windowS);
    const empty = mean(before, after);
    const perThousand = (with_: number, without: number) => `${(((with_ - without) / members) * 1000 * 100).toFixed(1)} %`;
    const pct = (cores: number) => `${(cores * 100).toFixed(1)} %`;
    return `Idle cost (local driver; the embedded broker ${tls ? 'over TLS ' : 'in plain MQTT (BENCH_IDLE_TLS=off) '}in a process of its own, as npm start runs it; the default resync and health interval), ${windowS} s windows\n${table(
      ['', 'controller + manager', `broker (aedes${tls ? ', TLS' : ''})`, 'PostgreSQL'],
      [
        ['no member (before the members)', pct(before.platform), pct(before.broker), pct(before.postgres)],
        ['no member (after them)', pct(after.platform), pct(after.broker), pct(after.postgres)],
        [`${members} idle members`, pct(busy.platform), pct(busy.broker), pct(busy.postgres)],
        ['per 1,000 idle members (of a core; against the mean of the two)', perThousand(busy.platform, empty.platform), perThousand(busy.broker, empty.broker), perThousand(busy.postgres, empty.postgres)],
      ],
    )}\nWhere the controller + manager process's CPU goes, by thread (user + system, of a core; the bench's own timers are in "node" too)\n${table(
      ['thread', 'no member (mean)', `${members} idle members`],
      [...new Set([...empty.threads.keys(), ...busy.threads.keys()])].map((name) => {
        const share = (t: Map<string, { user: number; system: number }>) => {
          const used = t.get(name);
          return used ? `${pct(used.user)} + ${pct(used.system)}` : '-';
        };
        return [name, share(empty.threads), share(busy.threads)];
      }),
    )}`;
  } finally {
    await platform.stop();
  }
}
