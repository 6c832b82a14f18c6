/**
 * `stratos application deploy|undeploy|runtime` (alias `app`), with a live view of the
 * members coming up or going down, and Stratos's deploy-application / undeploy-application.
 */
import type { Command } from 'commander';
import { SNAPSHOT_EVENT, type ApplicationRuntime, type ApplicationStatisticsView, type ClusterCrashesPayload, type ClusterView, type OperationAccepted, type OperationView, type TopologyEvent, type UpgradeAccepted } from '@stratos/contracts';
import type { ApiClient } from '../api-client';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { err, out, printData, printTable } from '../output';
import { StartFailures } from './start-failures';
import { readEvents } from './topology.command';

interface WaitOptions {
  wait?: boolean;
  timeout: string;
}

/** `--failures <n>` of a wait that members start in: when it stops waiting for a cluster that cannot start. */
function startFailuresOf(options: { failures?: string }): StartFailures {
  const raw = options.failures ?? '3';
  if (!/^\d+$/.test(raw)) throw new UsageError(`--failures must be a whole number (0: never stop), not "${raw}"`);
  return new StartFailures(Number(raw));
}

function ports(cluster: ClusterView['members'][number]): string {
  return cluster.ports.map((p) => (p.hostPort === p.port ? `${p.port}` : `${p.port}→${p.hostPort}`)).join(' ');
}

const figure = (value: number | null | undefined) => (value === null || value === undefined ? '–' : `${Math.round(value * 10) / 10}`);

/** Per cluster: bounds, each metric's threshold, prediction and requirement, the last evaluation and decision; then each member's latest statistics. */
export function printStatistics(view: ApplicationStatisticsView): void {
  const { intervalS, windowS, horizonS } = view.scaling;
  out(`${view.applicationId}: ${intervalS > 0 ? `evaluated every ${intervalS} s on a ${windowS} s window, predicted ${horizonS} s ahead` : 'the autoscaler is off (STRATOS_SCALING_INTERVAL_S=0)'}`);
  for (const cluster of view.clusters) {
    const live = cluster.members.filter((m) => m.status === 'Active').length;
    out('');
    out(`${cluster.alias} (${cluster.clusterId})  ${cluster.status}  ${live} Active, min ${cluster.minMembers}, max ${cluster.maxMembers}${cluster.desiredMembers !== null ? `, autoscaled to ${cluster.desiredMembers}` : ''}  policy ${cluster.autoscalingPolicy ?? '(none)'}`);
    const evaluation = cluster.lastEvaluation;
    if (evaluation?.metrics.length) {
      printTable(
        ['  METRIC', 'THRESHOLD', 'PREDICTED', 'REQUIRED'],
        evaluation.metrics.map((m) => [`  ${m.metric}`, m.threshold, figure(m.predicted), m.required ?? '–']),
      );
    }
    if (cluster.balanced.length) out(`  requests in flight by its balancers: ${cluster.balanced.map((b) => `${b.reportedBy} ${figure(b.samples[b.samples.length - 1]?.value)}`).join(', ')}`);
    if (evaluation) out(`  last evaluation ${evaluation.at}: ${evaluation.outcome}${evaluation.reason ? ` (${evaluation.reason})` : ''}${evaluation.scaleDownVotes ? `, ${evaluation.scaleDownVotes} vote(s) to scale down` : ''}`);
    const d = cluster.lastDecision;
    if (d) out(`  last decision ${d.at}: ${d.direction} ${d.from} → ${d.to}  ${d.metric} predicted ${d.predicted}, threshold ${d.threshold}: ${d.required} required${d.memberId ? `  (removed ${d.memberId})` : ''}`);
    const latest = (m: ApplicationStatisticsView['clusters'][number]['members'][number], statistic: string) => {
      const window = m.statistics.find((s) => s.statistic === statistic);
      return window ? `${figure(window.samples[window.samples.length - 1]?.value)} → ${figure(window.prediction?.predicted)}` : '–';
    };
    if (cluster.members.length) printTable(['  MEMBER', 'STATUS', 'LOAD % (now → predicted)', 'MEMORY %'], cluster.members.map((m) => [`  ${m.memberId}`, m.status, latest(m, 'loadAverage'), latest(m, 'memoryConsumption')]));
  }
  for (const group of view.groups ?? []) {
    out('');
    out(`group ${group.alias}  ${group.instances.length} instance(s) (${group.instances.join(', ')}), min ${group.minInstances}, max ${group.maxInstances}`);
    const evaluation = group.lastEvaluation;
    if (evaluation) out(`  last evaluation ${evaluation.at}: ${evaluation.outcome}${evaluation.reason ? ` (${evaluation.reason})` : ''}${evaluation.scaleDownVotes ? `, ${evaluation.scaleDownVotes} vote(s) to remove one` : ''}`);
    const d = group.lastDecision;
    if (d) out(`  last decision ${d.at}: ${d.direction} ${d.from} → ${d.to}, ${d.direction === 'up' ? 'added' : 'removed'} instance ${d.instance}  (${d.reason})`);
  }
}

/** application → groups → clusters → members, as a tree. */
export function printRuntimeTree(runtime: ApplicationRuntime): void {
  out(`${runtime.applicationId}  ${runtime.status}  (policy ${runtime.policyId}, deployed ${runtime.deployedAt})`);
  const walk = (path: string[], indent: string) => {
    const here = runtime.clusters.filter((c) => c.groupPath.length === path.length && path.every((g, i) => c.groupPath[i] === g));
    const groups = [...new Set(runtime.clusters.filter((c) => c.groupPath.length > path.length && path.every((g, i) => c.groupPath[i] === g)).map((c) => c.groupPath[path.length]))];
    const items: (() => void)[] = [];
    for (const group of groups) {
      items.push(() => undefined);
      const index = items.length - 1;
      items[index] = () => {
        const last = index === items.length - 1;
        const view = runtime.groups?.find((g) => g.alias === group && g.groupPath.join('/') === path.join('/'));
        const scales = runtime.clusters.find((c) => c.groupInstance?.group === group)?.groupInstance;
        out(`${indent}${last ? '└─' : '├─'} group ${group}${view ? `  ${view.status}` : ''}${scales && view ? `  ${view.instances} instance(s), min ${scales.minInstances} max ${scales.maxInstances}` : ''}`);
        walk([...path, group], `${indent}${last ? '   ' : '│  '}`);
      };
    }
    for (const cluster of here) {
      const index = items.length;
      items.push(() => {
        const last = index === items.length - 1;
        const active = cluster.members.filter((m) => m.status === 'Active').length;
        const instance = cluster.groupInstance ? `  instance ${cluster.groupInstance.instance}` : '';
        out(`${indent}${last ? '└─' : '├─'} cluster ${cluster.alias}${instance} (${cluster.serviceName})  ${cluster.status}  ${active} active, min ${cluster.minMembers} max ${cluster.maxMembers}${cluster.revision > 0 ? `  revision ${cluster.revision}` : ''}${cluster.startsAfter.length ? `  after ${cluster.startsAfter.join(', ')}` : ''}`);
        const crashes = cluster.crashes;
        if (crashes) out(`${indent}${last ? '   ' : '│  '}! crash loop: ${crashes.inARow} in a row, the next launch at ${crashes.nextLaunchAt}; the last, ${crashes.lastMemberId}: ${crashes.lastReason}`);
        cluster.members.forEach((m, i) => {
          const lastMember = i === cluster.members.length - 1;
          const revision = cluster.revision > 0 ? `  rev ${m.clusterRevision}${m.clusterRevision < cluster.revision ? ' (old)' : ''}` : '';
          out(`${indent}${last ? '   ' : '│  '}${lastMember ? '└─' : '├─'} ${m.memberId}  ${m.status}  ${m.networkPartitionId}/${m.partitionId}  ${m.driver}:${m.instanceId ?? '-'}  ${m.host ?? ''}  ${ports(m)}${revision}`.trimEnd());
        });
      });
    }
    items.forEach((print) => print());
  };
  walk([], '');
}

/**
 * Prints this application's events as they come until `done` says so; resolves with its verdict.
 * With `failures`, fails as soon as a cluster's members keep being Lost before they are Active.
 */
export async function follow(
  client: ApiClient,
  applicationId: string,
  since: number,
  timeoutMs: number,
  done: (event: TopologyEvent) => string | null | Promise<string | null>,
  failures?: StartFailures,
): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const started = Date.now();
  let verdict: string | null = null;
  let cannotStart: string | null = null;
  try {
    const stream = await client.stream(`/topology/events?since=${since}`, abort.signal);
    await readEvents(
      stream,
      () => undefined,
      (event) => {
        if (event.type === SNAPSHOT_EVENT) return; // the log was purged past `since`: a snapshot tells no transition
        const payload = event.payload as { applicationId?: string; member?: { memberId: string; status: string; networkPartitionId: string; partitionId: string }; from?: string; to?: string; reason?: string; clusterId?: string; cluster?: { alias: string }; message?: string };
        if (payload.applicationId !== applicationId) return;
        const t = `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
        if (payload.member) out(`${t}  member ${payload.member.memberId.padEnd(24)} ${payload.from ? `${payload.from} → ` : ''}${payload.member.status}${payload.reason && !/^Instance/.test(payload.reason) ? `  (${payload.reason})` : ''}`);
        else if (event.type === 'MemberNotice') out(`${t}  member ${String((payload as { memberId?: string }).memberId).padEnd(24)} ${payload.message}`);
        else if (event.type === 'ClusterStatusChanged') out(`${t}  cluster ${String(payload.clusterId).padEnd(23)} ${payload.from} → ${payload.to}`);
        else if (event.type === 'ApplicationStatusChanged') out(`${t}  application ${applicationId}  ${payload.from ?? ''}${payload.from ? ' → ' : ''}${payload.to}`);
        else if (event.type === 'ClusterUpgraded') out(`${t}  cluster ${String(payload.clusterId).padEnd(23)} upgraded: every member runs revision ${String((payload as { revision?: number }).revision)}`);
        else if (event.type === 'ClusterCrashes') {
          const { crashes } = event.payload as ClusterCrashesPayload;
          out(`${t}  cluster ${String(payload.clusterId).padEnd(23)} ${crashes ? `crash loop: ${crashes.inARow} in a row, the next launch at ${crashes.nextLaunchAt}` : 'crash loop over'}`);
          if (failures && !cannotStart) {
            cannotStart = failures.observe(event.payload as ClusterCrashesPayload);
            if (cannotStart) return abort.abort();
          }
        }
        void Promise.resolve(done(event)).then((v) => {
          if (v && !verdict) {
            verdict = v;
            abort.abort();
          }
        });
      },
    );
  } catch (error) {
    if (!verdict && !abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  if (cannotStart && !verdict) {
    throw new Error(`${cannotStart}\nThe controller goes on launching its members, waiting longer after each crash (at most 30 s); \`stratos application undeploy ${applicationId}\` stops it (--failures 0 waits on).`);
  }
  if (!verdict) throw new Error(`gave up waiting after ${timeoutMs / 1000} s; \`stratos application runtime ${applicationId}\` shows where it stands`);
  return verdict;
}

export async function currentRevision(client: ApiClient): Promise<number> {
  return (await client.request<{ revision: number }>('GET', '/topology')).body.revision;
}

export function registerApplicationRuntime(program: Command, globals: () => GlobalOptions): void {
  const application = program.commands.find((c) => c.name() === 'application')!;
  application.alias('app');

  const deploy = async (id: string, policy: string | undefined, options: WaitOptions & { failures?: string; output?: string; json?: boolean }) => {
    if (!policy) throw new UsageError('--policy <application-policy> is required');
    const failures = startFailuresOf(options);
    const client = apiClient(globals());
    const since = options.wait ? await currentRevision(client) : 0;
    const { body } = await client.request<OperationAccepted>('POST', `/applications/${encodeURIComponent(id)}/deploy/${encodeURIComponent(policy)}`);
    for (const warning of body.warnings ?? []) err(`warning: ${warning}`);
    if (!options.wait) return printData(outputFormat(options), body, () => out(`deploying ${id} (operation ${body.operationId}); watch it with: stratos topology watch`));
    const started = Date.now();
    err(`deploying ${id} with ${policy} (operation ${body.operationId})`);
    // The deployment the platform made: a tenant's admin deploying `solo` gets its own, `solo~t<id>`, whose events these are.
    await follow(client, body.applicationId ?? id, since, Number(options.timeout) * 1000, (event) => {
      const payload = event.payload as { applicationId: string; to?: string };
      return event.type === 'ApplicationStatusChanged' && payload.to === 'Active' ? 'active' : null;
    }, failures);
    out(`deployed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const undeploy = async (id: string, options: WaitOptions & { force?: boolean; output?: string; json?: boolean }) => {
    const client = apiClient(globals());
    const since = options.wait ? await currentRevision(client) : 0;
    const { body } = await client.request<OperationAccepted>('POST', `/applications/${encodeURIComponent(id)}/undeploy${options.force ? '?force=true' : ''}`);
    if (!options.wait) return printData(outputFormat(options), body, () => out(`undeploying ${id} (operation ${body.operationId})`));
    const started = Date.now();
    await follow(client, body.applicationId ?? id, since, Number(options.timeout) * 1000, (event) => ((event.payload as { to?: string }).to === 'Terminated' && event.type === 'ApplicationStatusChanged' ? 'gone' : null));
    out(`undeployed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const runtime = async (id: string, options: { output?: string; json?: boolean }) => {
    const format = outputFormat(options);
    const { body } = await apiClient(globals()).request<ApplicationRuntime>('GET', `/applications/${encodeURIComponent(id)}/runtime`);
    printData(format, body, () => printRuntimeTree(body));
  };
  const statistics = async (id: string, options: { output?: string; json?: boolean }) => {
    const { body } = await apiClient(globals()).request<ApplicationStatisticsView>('GET', `/applications/${encodeURIComponent(id)}/statistics`);
    printData(outputFormat(options), body, () => printStatistics(body));
  };
  const scale = async (id: string, options: WaitOptions & { cluster: string; min?: string; max?: string; failures?: string; output?: string; json?: boolean }) => {
    const failures = startFailuresOf(options);
    const client = apiClient(globals());
    const bound = (name: 'min' | 'max') => {
      const raw = options[name];
      if (raw === undefined) return undefined;
      if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, not "${raw}"`);
      return Number(raw);
    };
    const since = options.wait ? await currentRevision(client) : 0;
    const { body } = await client.request<ClusterView>('POST', `/applications/${encodeURIComponent(id)}/scale`, { alias: options.cluster, min: bound('min'), max: bound('max') });
    if (!options.wait) return printData(outputFormat(options), body, () => out(`cluster ${body.clusterId}: min ${body.minMembers}, max ${body.maxMembers}`));
    err(`cluster ${body.clusterId}: min ${body.minMembers}, max ${body.maxMembers}`);
    const started = Date.now();
    const settled = async () => {
      const now = (await client.request<ApplicationRuntime>('GET', `/applications/${encodeURIComponent(id)}/runtime`)).body.clusters.find((c) => c.clusterId === body.clusterId);
      const members = now?.members ?? [];
      return members.length === body.minMembers && members.every((m) => m.status === 'Active');
    };
    if (!(await settled())) {
      await follow(client, body.applicationId, since, Number(options.timeout) * 1000, async (event) => (event.type === 'MemberStatusChanged' && (await settled()) ? 'scaled' : null), failures);
    }
    out(`scaled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const upgrade = async (id: string, options: WaitOptions & { artifact?: string; output?: string; json?: boolean }) => {
    const client = apiClient(globals());
    const since = options.wait ? await currentRevision(client) : 0;
    const { body } = await client.request<UpgradeAccepted>('POST', `/applications/${encodeURIComponent(id)}/upgrade`, options.artifact ? { artifact: options.artifact } : {});
    const said = () => {
      if (body.clusters.length === 0) return out(`${id}: nothing to upgrade (every cluster runs what its definitions say)`);
      for (const cluster of body.clusters) out(`cluster ${cluster.alias}: revision ${cluster.from} → ${cluster.to}  (${cluster.changes.join(', ')})`);
    };
    if (!options.wait || body.clusters.length === 0) return printData(outputFormat(options), body, said);
    said();
    err(`upgrading ${id} (operation ${body.operationId}): members replaced one partition at a time, never below min`);
    const started = Date.now();
    const status = async () => (await client.request<OperationView>('GET', `/operations/${body.operationId}`)).body;
    let operation = await status();
    if (operation.status === 'running') {
      await follow(client, body.applicationId, since, Number(options.timeout) * 1000, async (event) => {
        if (event.type !== 'ClusterUpgraded' && event.type !== 'MemberStatusChanged' && event.type !== 'ApplicationStatusChanged') return null;
        operation = await status();
        return operation.status === 'running' ? null : operation.status;
      });
    }
    if (operation.status !== 'succeeded') throw new Error(`the upgrade did not finish: ${operation.message}`);
    out(`upgraded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const withOutput = (c: Command) => c.option('-o, --output <format>', 'table | json | yaml', 'table').option('--json', 'same as -o json');

  withOutput(
    application
      .command('deploy')
      .description('Deploy an application; --wait shows each member come up')
      .argument('<id>')
      .option('-p, --policy <application-policy>', 'the application policy')
      .option('-w, --wait', 'follow until the application is Active')
      .option('--failures <n>', 'with --wait: stop when a cluster\'s members crashed n times in a row (Lost before they were Active, or within 10 s of it; 0: never)', '3')
      .option('--timeout <seconds>', 'with --wait: give up after', '300'),
  ).action((id: string, o) => deploy(id, o.policy, o));
  withOutput(
    application
      .command('undeploy')
      .description('Undeploy: members shut down gracefully, then clusters go')
      .argument('<id>')
      .option('--force', 'do not wait for members to shut down gracefully')
      .option('-w, --wait', 'follow until nothing is left')
      .option('--timeout <seconds>', 'with --wait: give up after', '300'),
  ).action((id: string, o) => undeploy(id, o));
  withOutput(
    application
      .command('scale')
      .description("Change a deployed cluster's member bounds, live: members start up to --min, or the highest slots shut down to it")
      .argument('<id>')
      .requiredOption('--cluster <alias>', 'the cartridge subscription (its alias)')
      .option('--min <n>', 'the minimum number of members')
      .option('--max <n>', 'the maximum number of members')
      .option('-w, --wait', 'follow until the cluster has --min Active members')
      .option('--failures <n>', 'with --wait: stop when a cluster\'s members crashed n times in a row (Lost before they were Active, or within 10 s of it; 0: never)', '3')
      .option('--timeout <seconds>', 'with --wait: give up after', '300'),
  ).action((id: string, o) => scale(id, o));
  withOutput(
    application
      .command('upgrade')
      .description("Bring a deployed application to what its definitions say now (a new cartridge or artifact version): changed clusters' members are replaced one partition at a time, never below min")
      .argument('<id>')
      .option('--artifact <name@version>', 'run this version of an image artifact its cartridges name, whatever version they name')
      .option('-w, --wait', 'follow until every member runs the new revision')
      .option('--timeout <seconds>', 'with --wait: give up after', '600'),
  ).action((id: string, o) => upgrade(id, o));
  withOutput(application.command('runtime').description('The running application: groups, clusters, members, states, addresses, ports').argument('<id>')).action((id: string, o) => runtime(id, o));
  withOutput(application.command('stats').description("What the autoscaler sees: per cluster each metric's prediction against its threshold, the last evaluation and decision, each member's load and memory").argument('<id>')).action((id: string, o) => statistics(id, o));

  // Stratos 4.1's names.
  // Stratos's forms too: deploy-application -a ID -ap POLICY (main.ts reads -ap as --application-policy).
  const named = (given: string | undefined, option: string | undefined, what: string) => {
    if (given && option && given !== option) throw new UsageError(`the ${what} is given twice, differently: "${given}" and "${option}"`);
    const value = given ?? option;
    if (!value) throw new UsageError(`the ${what} is required`);
    return value;
  };
  withOutput(
    program
      .command('deploy-application')
      .description('Stratos alias of application deploy')
      .argument('[id]')
      .argument('[policy]')
      .option('-a, --application-id <id>', 'the application (Stratos: -a)')
      .option('--application-policy <policy>', 'the application policy (Stratos: -ap)')
      .option('-w, --wait')
      .option('--timeout <seconds>', '', '300'),
  ).action((id: string | undefined, policy: string | undefined, o) => deploy(named(id, o.applicationId, 'application id'), named(policy, o.applicationPolicy, 'application policy'), o));
  withOutput(
    program
      .command('undeploy-application')
      .description('Stratos alias of application undeploy')
      .argument('[id]')
      .option('-a, --application-id <id>', 'the application (Stratos: -a)')
      .option('--force')
      .option('-w, --wait')
      .option('--timeout <seconds>', '', '300'),
  ).action((id: string | undefined, o) => undeploy(named(id, o.applicationId, 'application id'), o));
  withOutput(program.command('describe-application-runtime').description('Stratos alias of application runtime').argument('<id>')).action((id: string, o) => runtime(id, o));
}
