/**
 * The runtime tree, live: application → groups → clusters → members, with states, addresses,
 * ports, partitions and health; a member's panel has its transitions with their reasons, its
 * health as charts, its metadata and its log. Rows are virtualised (only those on screen are in
 * the DOM), so 1,000 members scroll as 10 do.
 */
import { useMemo, useRef, useState, useLayoutEffect } from 'preact/hooks';
import type { MemberView } from '@stratos/contracts';
import { request } from '../api';
import type { LiveTopology } from '../live-topology';
import { crashLoopCount, treeRows, type Row } from '../runtime-rows';
import { MigrationPart } from './migration';
import { ago, ErrorView, Sparkline, State } from './parts';
import { go } from './shell';

const ROW_HEIGHT = 30;
const OVERSCAN = 12;

export function RuntimeView({ live, memberId }: { live: LiveTopology; memberId?: string }) {
  const [collapsed, setCollapsed] = useState(new Set<string>());
  const [filter, setFilter] = useState('');
  const [onlyCrashLoops, setOnlyCrashLoops] = useState(false);
  const rows = useMemo(() => (live.model ? treeRows(live.model.applications.values(), collapsed, filter.trim().toLowerCase(), { onlyCrashLoops }) : []), [live.version, live.model, collapsed, filter, onlyCrashLoops]);
  const viewport = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const measure = () => setScroll({ top: element.scrollTop, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [live.model !== null]);
  if (!live.model) return <p class="muted">Loading the topology…</p>;
  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN);
  const toggle = (key: string) => {
    const next = new Set(collapsed);
    if (!next.delete(key)) next.add(key);
    setCollapsed(next);
  };
  const selected = memberId ? findMember(live, memberId) : null;
  const crashLoops = crashLoopCount(live.model.applications.values());
  return (
    <section class="runtime">
      <div class="toolbar">
        <h2>Runtime</h2>
        <span class="muted" data-testid="member-count">{live.model.applications.size} applications · {live.model.memberCount()} members</span>
        {(crashLoops > 0 || onlyCrashLoops) && (
          <button class="link warn" aria-pressed={onlyCrashLoops} data-testid="crash-loops" title="Clusters whose members keep failing before they stay Active: the platform backs off between launches" onClick={() => setOnlyCrashLoops(!onlyCrashLoops)}>
            {crashLoops} {crashLoops === 1 ? 'cluster' : 'clusters'} in a crash loop{onlyCrashLoops ? ' · show all' : ' · show only these'}
          </button>
        )}
        <input type="search" placeholder="Filter members (id, state, address, partition)" aria-label="Filter members" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </div>
      <div class="split">
        <div class="tree" ref={viewport} role="tree" aria-label="Applications, groups, clusters and members" onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}>
          {rows.length === 0 && (onlyCrashLoops ? <p class="muted">No cluster is in a crash loop now.</p> : <p class="muted">Nothing is deployed. Deploy an application under Applications (or `stratos app deploy`).</p>)}
          <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
            {rows.slice(first, last).map((row, i) => (
              <div key={row.key} class={`row row-${row.kind}${row.kind === 'member' && row.member.memberId === memberId ? ' selected' : ''}`} style={{ top: `${(first + i) * ROW_HEIGHT}px`, paddingLeft: `${row.depth * 18 + 6}px` }} role="treeitem" aria-level={row.depth + 1} tabIndex={0}
                {...(row.kind === 'member' ? { 'data-member': row.member.memberId, 'data-state': row.member.status } : {})}
                onClick={() => (row.kind === 'member' ? go('runtime', row.member.memberId) : row.kind !== 'group' && toggle(row.key))}
                onKeyDown={(e) => e.key === 'Enter' && (row.kind === 'member' ? go('runtime', row.member.memberId) : row.kind !== 'group' && toggle(row.key))}>
                <RowView row={row} collapsed={collapsed.has(row.key)} />
              </div>
            ))}
          </div>
        </div>
        {memberId && <MemberPanel live={live} memberId={memberId} member={selected} />}
      </div>
    </section>
  );
}

function RowView({ row, collapsed }: { row: Row; collapsed: boolean }) {
  const caret = <span class="caret" aria-hidden="true">{collapsed ? '▸' : '▾'}</span>;
  switch (row.kind) {
    case 'application':
      return <>{caret}<strong>{row.application.applicationId}</strong> <State value={row.application.status} /> <span class="muted small">policy {row.application.policyId || '—'} · {row.members} members</span></>;
    case 'group':
      return <><span class="muted">group</span> <strong>{row.alias}</strong> <State value={row.status} />{row.instances > 1 && <span class="muted small"> × {row.instances}</span>}</>;
    case 'cluster':
      return <>{caret}<strong>{row.cluster.alias}</strong> <span class="muted small">{row.cluster.serviceName}</span> <State value={row.cluster.status} /> <span class="muted small">{row.cluster.members.length} of {row.cluster.minMembers}–{row.cluster.maxMembers}</span>{row.cluster.crashes && <span class="warn small" title={`the last, ${row.cluster.crashes.lastMemberId}: ${row.cluster.crashes.lastReason}`}> crash loop: {row.cluster.crashes.inARow} in a row, the next launch at {new Date(row.cluster.crashes.nextLaunchAt).toLocaleTimeString()} — {row.cluster.crashes.lastReason}</span>}</>;
    case 'member': {
      const m = row.member;
      return (
        <>
          <code class="id">{m.memberId}</code> <State value={m.status} />
          <span class="addr">{m.host ?? '—'}{m.ports.length > 0 && <span class="muted">:{m.ports.map((p) => (p.hostPort === p.port ? p.port : `${p.port}→${p.hostPort}`)).join(',')}</span>}</span>
          <span class="muted small">{m.networkPartitionId}/{m.partitionId} · {m.driver}</span>
          {m.health && <span class="muted small"> · load {m.health.loadAverage.toFixed(2)} · mem {m.health.memoryConsumption.toFixed(0)} %{m.health.requestsInFlight !== undefined && ` · ${m.health.requestsInFlight} req`}</span>}
        </>
      );
    }
  }
}

function deploymentPolicyOf(live: LiveTopology, member: MemberView): string | null {
  return live.model?.applications.get(member.applicationId)?.clusters.find((c) => c.clusterId === member.clusterId)?.deploymentPolicy ?? null;
}

function findMember(live: LiveTopology, memberId: string): MemberView | null {
  for (const application of live.model?.applications.values() ?? []) for (const cluster of application.clusters) for (const member of cluster.members) if (member.memberId === memberId) return member;
  return null;
}

function MemberPanel({ live, memberId, member }: { live: LiveTopology; memberId: string; member: MemberView | null }) {
  const history = live.model?.history.get(memberId) ?? [];
  const samples = live.health.get(memberId) ?? [];
  const [extra, setExtra] = useState<{ title: string; text: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const show = async (title: string, path: string, pick: (body: any) => string) => {
    setError(null);
    try {
      setExtra({ title, text: pick(await request('GET', path)) });
    } catch (failure) {
      setError(failure as Error);
    }
  };
  return (
    <aside class="panel" aria-label={`Member ${memberId}`} data-panel-member={memberId}>
      <div class="toolbar">
        <h3><code>{memberId}</code></h3>
        <button class="link" onClick={() => go('runtime')} aria-label="Close">✕</button>
      </div>
      {member ? (
        <dl>
          <dt>State</dt><dd><State value={member.status} /> <span class="muted small">since {ago(member.statusChangedAt)}</span></dd>
          <dt>Address</dt><dd>{member.host ?? '—'}</dd>
          <dt>Ports</dt><dd>{member.ports.length ? member.ports.map((p) => `${p.name ?? p.protocol} ${p.port}${p.hostPort !== p.port ? ` → ${p.hostPort}` : ''}`).join(', ') : '—'}</dd>
          <dt>Partition</dt><dd>{member.networkPartitionId} / {member.partitionId}</dd>
          <dt>Driver</dt><dd>{member.driver} {member.instanceId && <code class="small">{member.instanceId.slice(0, 16)}</code>}</dd>
          {member.image && <><dt>Image</dt><dd><code class="small">{member.image}</code></dd></>}
          <dt>Slot</dt><dd>{member.sid} · cluster revision {member.clusterRevision}</dd>
        </dl>
      ) : (
        <p class="muted">This member is gone; its transitions are below.</p>
      )}
      <div class="charts">
        <Sparkline label="load" values={samples.map((s) => s.loadAverage)} />
        <Sparkline label="memory %" values={samples.map((s) => s.memoryConsumption)} format={(v) => v.toFixed(0)} />
        <Sparkline label="requests" values={samples.filter((s) => s.requestsInFlight !== undefined).map((s) => s.requestsInFlight!)} format={(v) => v.toFixed(0)} />
      </div>
      <h4>Transitions</h4>
      {history.length === 0 && <p class="muted small">None seen since the console opened.</p>}
      <ol class="history">
        {history.map((t) => (
          <li key={t.revision} data-transition={t.notice ? 'notice' : `${t.from ?? ''}→${t.to}`}>
            <span class="muted small">{new Date(t.at).toLocaleTimeString()} · r{t.revision}</span>{' '}
            {t.notice ? <span class={t.notice.level === 'warning' ? 'warn' : ''}>{t.notice.message}</span> : <>{t.from ? <><State value={t.from} /> → </> : 'created '}<State value={t.to} /></>}
            {t.reason && <div class="reason">{t.reason}</div>}
          </li>
        ))}
      </ol>
      {member && <MigrationPart live={live} member={member} deploymentPolicy={deploymentPolicyOf(live, member)} />}
      <div class="actions">
        <button onClick={() => void show('Metadata', `/metadata/members/${encodeURIComponent(memberId)}`, (body) => JSON.stringify(body.tree, null, 2))}>Metadata</button>
        <button onClick={() => void show('Log (last 16 KiB)', `/members/${encodeURIComponent(memberId)}/logs`, (body) => body.text || '(empty)')}>Log</button>
      </div>
      <ErrorView error={error} />
      {extra && (
        <>
          <h4>{extra.title}</h4>
          <pre class="scroll">{extra.text}</pre>
        </>
      )}
    </aside>
  );
}
