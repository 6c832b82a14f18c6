/** The runtime tree as the rows the virtualised list draws, in order. Pure. */
import type { ApplicationRuntime, ClusterView, MemberView } from '@stratos/contracts';

export type Row =
  | { kind: 'application'; key: string; depth: number; application: ApplicationRuntime; members: number }
  | { kind: 'group'; key: string; depth: number; alias: string; status: string; instances: number }
  | { kind: 'cluster'; key: string; depth: number; cluster: ClusterView }
  | { kind: 'member'; key: string; depth: number; member: MemberView };


/** The clusters in a crash loop (ClusterView.crashes), over every application. */
export function crashLoopCount(applications: Iterable<ApplicationRuntime>): number {
  let count = 0;
  for (const application of applications) for (const cluster of application.clusters) if (cluster.crashes) count++;
  return count;
}

/**
 * The tree as rows, in order; what is collapsed leaves its children out. `onlyCrashLoops`: only
 * the clusters in a crash loop, with their applications and the groups they are in.
 */
export function treeRows(applications: Iterable<ApplicationRuntime>, collapsed: Set<string>, filter: string, options: { onlyCrashLoops?: boolean } = {}): Row[] {
  const rows: Row[] = [];
  const matches = (m: MemberView) => !filter || `${m.memberId} ${m.status} ${m.host ?? ''} ${m.partitionId}`.toLowerCase().includes(filter);
  const shown = (c: ClusterView) => !options.onlyCrashLoops || c.crashes != null;
  for (const application of [...applications].sort((a, b) => a.applicationId.localeCompare(b.applicationId))) {
    if (!application.clusters.some(shown)) continue;
    const appKey = `a:${application.applicationId}`;
    rows.push({ kind: 'application', key: appKey, depth: 0, application, members: application.clusters.reduce((n, c) => n + c.members.length, 0) });
    if (collapsed.has(appKey)) continue;
    const pathOf = (c: ClusterView) => c.groupPath.filter((alias) => alias !== '/').join('/');
    const clustersAt = (path: string, depth: number) => {
      for (const cluster of application.clusters.filter((c) => pathOf(c) === path && shown(c)).sort((a, b) => a.alias.localeCompare(b.alias) || a.clusterId.localeCompare(b.clusterId))) {
        const clusterKey = `c:${cluster.clusterId}`;
        rows.push({ kind: 'cluster', key: clusterKey, depth, cluster });
        if (collapsed.has(clusterKey)) continue;
        for (const member of [...cluster.members].sort((a, b) => a.sid - b.sid || a.memberId.localeCompare(b.memberId))) {
          if (matches(member)) rows.push({ kind: 'member', key: `m:${member.memberId}`, depth: depth + 1, member });
        }
      }
    };
    clustersAt('', 1);
    for (const group of [...application.groups].sort((a, b) => [...a.groupPath, a.alias].join('/').localeCompare([...b.groupPath, b.alias].join('/')))) {
      const path = [...group.groupPath.filter((alias) => alias !== '/'), group.alias].join('/');
      if (!application.clusters.some((c) => shown(c) && (pathOf(c) === path || pathOf(c).startsWith(`${path}/`)))) continue;
      rows.push({ kind: 'group', key: `g:${application.applicationId}/${path}`, depth: path.split('/').length, alias: group.alias, status: group.status, instances: group.instances });
      clustersAt(path, path.split('/').length + 1);
    }
  }
  return rows;
}
