import type { Command } from 'commander';
import { MEMBER_HEALTH_EVENT, SNAPSHOT_EVENT, SseParser, type ClusterAutoscaledPayload, type ClusterCrashesPayload, type GroupScaledPayload, type MemberHealthBatch, type TopologyEvent, type TopologySnapshotEvent } from '@stratos/contracts';
import { ApiError } from '../api-client';
import { apiClient, outputFormat, UsageError, type GlobalOptions } from '../context';
import { err, out, printData, printTable } from '../output';

function describe(event: TopologyEvent): string {
  const p = event.payload as {
    serviceName?: string;
    cartridge?: { category?: string; status?: { generation?: number } };
    applicationId?: string;
    clusterId?: string;
    cluster?: { clusterId: string };
    member?: { memberId: string; status: string; networkPartitionId: string; partitionId: string };
    from?: string | null;
    to?: string;
    reason?: string;
  };
  let subject = p.serviceName ?? '';
  let detail = p.cartridge ? `category=${p.cartridge.category} generation=${p.cartridge.status?.generation}` : '';
  if (event.type === 'ClusterAutoscaled') {
    // Why a member came or went: the metric, its prediction and the policy's threshold.
    const scaled = event.payload as ClusterAutoscaledPayload;
    subject = scaled.clusterId;
    detail = `${scaled.direction} ${scaled.from} → ${scaled.to}  ${scaled.dependentOf ? `with ${scaled.dependentOf}: its ` : ''}${scaled.metric} predicted ${scaled.predicted}, threshold ${scaled.threshold}: ${scaled.required} required${scaled.memberId ? `  (removing ${scaled.memberId}, the least loaded)` : ''}`;
  } else if (event.type === 'GroupScaled') {
    const scaled = event.payload as GroupScaledPayload;
    subject = `${scaled.applicationId} group ${scaled.group}`;
    detail = `${scaled.direction} ${scaled.from} → ${scaled.to} instance(s)  (${scaled.direction === 'up' ? 'adding' : 'removing'} instance ${scaled.instance}: ${scaled.clusterIds.join(', ')})  ${scaled.reason}`;
  } else if (event.type === 'ClusterCrashes') {
    const { clusterId, crashes } = event.payload as ClusterCrashesPayload;
    subject = clusterId;
    detail = crashes ? `crash loop: ${crashes.inARow} in a row, the next launch at ${crashes.nextLaunchAt}; the last, ${crashes.lastMemberId}: ${crashes.lastReason}` : 'crash loop over (Active a while since the last crash)';
  } else if (event.type === 'MemberNotice') {
    const notice = event.payload as { memberId: string; level: string; message: string };
    subject = notice.memberId;
    detail = `${notice.level === 'warning' ? 'warning: ' : ''}${notice.message}`;
  } else if (p.member) {
    subject = p.member.memberId;
    detail = `${p.from ? `${p.from} → ` : ''}${p.member.status}  cluster=${p.clusterId} partition=${p.member.networkPartitionId}/${p.member.partitionId}${p.reason ? `  (${p.reason})` : ''}`;
  } else if (p.cluster) {
    subject = p.cluster.clusterId;
    detail = `application=${p.applicationId}`;
  } else if (p.clusterId) {
    subject = p.clusterId;
    detail = `${p.from} → ${p.to}`;
  } else if (p.applicationId) {
    subject = p.applicationId;
    detail = `${p.from ? `${p.from} → ` : ''}${p.to}`;
  }
  return [String(event.revision).padStart(6), event.timestamp, event.type.padEnd(24), subject, detail].join('  ').trimEnd();
}

/** Parses a server-sent-event stream: `onId` for each `id:` (the revision), `onEvent` for each event's data. */
export async function readEvents(stream: ReadableStream<Uint8Array>, onId: (revision: number) => void, onEvent: (event: TopologyEvent | TopologySnapshotEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let lastId: string | undefined;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    for (const message of parser.feed(decoder.decode(chunk, { stream: true }))) {
      if (message.id !== undefined && message.id !== lastId && /^\d+$/.test(message.id)) onId(Number((lastId = message.id)));
      onEvent(JSON.parse(message.data) as TopologyEvent | TopologySnapshotEvent);
    }
    // An id with no data (where the stream stands, before any event) moves the resume point too.
    if (parser.lastEventId !== undefined && parser.lastEventId !== lastId && /^\d+$/.test(parser.lastEventId)) onId(Number((lastId = parser.lastEventId)));
  }
}

/** One line per member of a health batch (no revision: health is not a stored event). */
function describeHealth(batch: MemberHealthBatch): string[] {
  const percent = (value: number) => `${Math.round(value * 10) / 10} %`;
  return batch.members.map(({ memberId, health }) =>
    ['—'.padStart(6), health.timestamp, MEMBER_HEALTH_EVENT.padEnd(24), memberId, `load ${percent(health.loadAverage)}  memory ${percent(health.memoryConsumption)}${health.requestsInFlight !== undefined ? `  in flight ${health.requestsInFlight}` : ''}`].join('  '),
  );
}

/** One line for a snapshot that stands in for purged events: what is deployed, and how many members are Active. */
function describeSnapshot(event: TopologySnapshotEvent): string {
  const applications = event.payload.applications as TopologySnapshot['applications'];
  const members = applications.flatMap((a) => a.clusters.flatMap((c) => c.members));
  const detail = `${applications.map((a) => `${a.applicationId}:${a.status}`).join(' ') || 'no application deployed'}  members active ${members.filter((m) => m.status === 'Active').length}/${members.length}`;
  return [String(event.revision).padStart(6), event.timestamp, event.type.padEnd(24), 'topology', detail].join('  ');
}

interface TopologySnapshot {
  revision: number;
  services: { serviceName: string; category: string; multiTenant: boolean; clusters: string[] }[];
  applications: { applicationId: string; status: string; policyId: string; clusters: { alias: string; status: string; members: { status: string }[] }[] }[];
}

export function registerTopology(program: Command, globals: () => GlobalOptions): void {
  const topology = program.command('topology').description('The live topology');
  topology
    .command('show')
    .description('Services and deployed applications now, with the revision to watch from')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--json', 'same as -o json')
    .action(async (options: { output?: string; json?: boolean }) => {
      const format = outputFormat(options);
      const { body } = await apiClient(globals()).request<TopologySnapshot>('GET', '/topology');
      printData(format, body, () => {
        printTable(
          ['APPLICATION', 'STATUS', 'POLICY', 'CLUSTERS', 'MEMBERS ACTIVE'],
          body.applications.map((a) => [
            a.applicationId,
            a.status,
            a.policyId,
            a.clusters.map((c) => `${c.alias}:${c.status}`).join(' '),
            `${a.clusters.flatMap((c) => c.members).filter((m) => m.status === 'Active').length}/${a.clusters.flatMap((c) => c.members).length}`,
          ]),
        );
        out('');
        printTable(['SERVICE', 'CATEGORY', 'MULTI-TENANT', 'CLUSTERS'], body.services.map((sv) => [sv.serviceName, sv.category, sv.multiTenant, sv.clusters.join(' ')]));
        err(`(revision ${body.revision}: \`stratos topology watch --since ${body.revision}\` follows from here)`);
      });
    });
  topology
    .command('watch')
    .description('Print each topology event as it happens, one line each; resumes after a reconnect')
    .option('--since <revision>', 'start after this revision (0: from the beginning)')
    .option('--health', "also each member's load, memory and requests in flight as the controller receives them (every few seconds)")
    .option('-o, --output <format>', 'table (one line per event) | json (one JSON per line)', 'table')
    .option('--json', 'same as -o json')
    .action(async (options: { since?: string; health?: boolean; output?: string; json?: boolean }) => {
      const format = outputFormat(options);
      if (options.since !== undefined && !/^\d+$/.test(options.since)) throw new UsageError('--since must be a revision number');
      const client = apiClient(globals());
      let last: number | undefined = options.since === undefined ? undefined : Number(options.since);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      if (format === 'table') err(`watching ${client.baseUrl} (Ctrl-C to stop)`);
      let delay = 500;
      while (!abort.signal.aborted) {
        try {
          const query = [...(last === undefined ? [] : [`since=${last}`]), ...(options.health ? ['health=true'] : [])];
          const stream = await client.stream(`/topology/events${query.length ? `?${query.join('&')}` : ''}`, abort.signal);
          delay = 500;
          await readEvents(stream, (revision) => (last = revision), (event) => {
            if (format === 'json') return out(JSON.stringify(event));
            if (event.type === SNAPSHOT_EVENT) {
              err(`note: ${event.notice}`);
              return out(describeSnapshot(event));
            }
            if ((event as { type: string }).type === MEMBER_HEALTH_EVENT) return describeHealth(event as unknown as MemberHealthBatch).forEach((line) => out(line));
            out(describe(event));
          });
          if (abort.signal.aborted) break;
          err(`stream closed; reconnecting after revision ${last ?? 'now'}…`);
        } catch (error) {
          if (abort.signal.aborted) break;
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
          err(`connection lost (${(error as Error).message}); reconnecting in ${delay / 1000} s after revision ${last ?? 'now'}…`);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    });
}
