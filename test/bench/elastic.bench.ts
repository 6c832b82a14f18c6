/**
 * Elasticity of the hello sample through its load balancer (local driver): 20 users on a slow page
 * (`?wait=300`) and 2 quick ones, the policy at 5 requests in flight per member, so hello-web must
 * go from 2 to 4 members; then the slow users leave and it must come back to 2 (each member drained
 * from HAProxy first). Timed from the moment the load began (the requests in flight cross the
 * threshold at once): the decision, the new members Active (seen by polling every 100 ms), the first
 * answer each serves through the balancer; the way back; decisions per minute; failed requests. Run twice: at Kubernetes' HPA
 * cadence (an evaluation every 15 s, its default sync period — the anchor) and at 1 s.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sandboxAvailable } from '@stratos/iaas';
import type { ApplicationStatisticsView, ClusterStatisticsView, MemberView } from '@stratos/contracts';
import { runCli, ROOT } from '../support/cli';
import { closedLoad } from '../support/load';
import { startBenchPlatform } from './bench-platform';
import { table } from './stats';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function elasticRun(intervalS: number): Promise<string[]> {
  // Window and cool-down as short as the cadence allows; scale-down after more than 2 agreeing evaluations.
  const platform = await startBenchPlatform({ healthIntervalS: 1, memberDrainMs: 3000, scaling: { intervalS, windowS: Math.max(3, intervalS), horizonS: 0, coolDownS: intervalS, scaleDownVotes: 2 } });
  try {
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.token };
    const cli = async (args: string[]) => {
      const result = await runCli(args, { env, timeoutMs: 180_000 });
      if (result.code !== 0) throw new Error(`stratos ${args.join(' ')}: ${result.stderr || result.stdout}`);
    };
    await cli(['import', join(ROOT, 'samples'), '--iaas', 'local']);
    await platform.call('PUT', '/autoscalingPolicies', { id: 'moderate', loadThresholds: { requestsInFlight: { threshold: 5 } } });
    await cli(['app', 'deploy', 'hello', '--policy', 'single-machine', '--wait']);
    const web = async () => (await platform.call('GET', '/applications/hello/runtime')).clusters.find((c: { alias: string }) => c.alias === 'hello-web') as { clusterId: string; members: MemberView[] };
    const [lb] = (await platform.call('GET', '/applications/hello/runtime')).clusters.find((c: { alias: string }) => c.alias === 'hello-lb').members as MemberView[];
    const url = `http://${lb.host}:${lb.ports.find((p) => p.port === 8000)!.hostPort}/cgi-bin/hello`;
    await waitFor('the balancer answers', async () => (await fetch(url).catch(() => null))?.status === 200, 60_000);
    const { clusterId, members: before } = await web();

    // Watched by polling every 100 ms (the bench's resolution): when each member is first seen Active, and each decision (the autoscaler's own timestamp).
    const seenActive = new Map<string, number>();
    const decisions = new Map<string, ClusterStatisticsView['lastDecision']>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [runtime, stats] = await Promise.all([web(), platform.call('GET', '/applications/hello/statistics') as Promise<ApplicationStatisticsView>]);
        for (const m of runtime.members) if (m.status === 'Active' && !seenActive.has(m.memberId)) seenActive.set(m.memberId, Date.now());
        const decision = stats.clusters.find((c) => c.clusterId === clusterId)?.lastDecision;
        if (decision) decisions.set(decision.at, decision);
        await sleep(100);
      }
    })();
    const served = new Map<string, number>();
    const onAnswer = (text: string) => {
      const member = /^hello from (\S+):/.exec(text)?.[1];
      if (member && !served.has(member)) served.set(member, Date.now());
    };
    const quick = closedLoad({ url: (n) => `${url}?n=q${n}`, concurrency: 2, timeoutMs: 10_000, onAnswer });
    const began = Date.now();
    const slow = closedLoad({ url: (n) => `${url}?wait=300&n=s${n}`, concurrency: 20, timeoutMs: 10_000, onAnswer });
    const four = await waitFor('four Active web members', async () => {
      const members = (await web()).members.filter((m) => m.status === 'Active');
      return members.length === 4 ? members : undefined;
    }, 180_000);
    const added = four.filter((m) => !before.some((b) => b.memberId === m.memberId));
    await waitFor('the new members serving', async () => added.every((m) => served.has(m.memberId)), 60_000);
    const slowResult = await slow.stop();
    const left = Date.now();
    await waitFor('back to two web members', async () => (await web()).members.length === 2, 600_000);
    const back = Date.now();
    const quickResult = await quick.stop();
    watching = false;
    await watcher;

    const up = [...decisions.values()].find((d) => d!.direction === 'up')!;
    const s = (ms: number) => (ms / 1000).toFixed(1);
    const latest = (values: number[]) => Math.max(...values);
    const minutes = (back - began) / 60_000;
    return [
      `every ${intervalS} s`,
      s(Date.parse(up.at) - began),
      s(latest(added.map((m) => seenActive.get(m.memberId)!)) - began),
      s(latest(added.map((m) => served.get(m.memberId)!)) - began),
      s(back - left),
      `${decisions.size} (${(decisions.size / minutes).toFixed(1)}/min)`,
      `${slowResult.sent + quickResult.sent}`,
      `${slowResult.failures.length + quickResult.failures.length}`,
    ];
  } finally {
    await platform.stop();
  }
}

export async function benchElastic(): Promise<string> {
  if (!has('haproxy') || !sandboxAvailable()) return 'Elasticity: skipped (needs haproxy and bubblewrap: apt-get install -y haproxy bubblewrap)';
  const rows = [await elasticRun(15), await elasticRun(1)];
  return [
    'Elasticity: hello-web 2 → 4 → 2 through HAProxy on requests in flight (20 users on a 300 ms page, 2 quick ones; 5 per member), times from the load\'s start (s); the anchor: Kubernetes\' HPA syncs every 15 s and waits 300 s before scaling down',
    table(['evaluated', 'decided', 'new Active', 'serving', 'back to 2 after load', 'decisions', 'requests', 'failed'], rows),
  ].join('\n');
}
