/**
 * The runtime tree as the console shows it: the topology's snapshot (GET /api/topology), moved on
 * by its events (the SSE feed) — applications → groups → clusters → members — and each member's
 * transitions with their reasons. Pure: no DOM, no fetch; the views render what it holds.
 */
import type { ApplicationRuntime, ClusterView, MemberHealth, MemberHealthBatch, MemberView, TopologyEvent, TopologySnapshot } from '@stratos/contracts';

export interface Transition {
  revision: number;
  at: string;
  /** Null for the member's creation. */
  from: string | null;
  to: string;
  reason?: string;
  /** A notice (config re-rendered, a failed check), not a state change. */
  notice?: { level: 'info' | 'warning'; message: string };
}

/** How many transitions the model keeps per member, and members it keeps the history of after they went. */
const HISTORY_PER_MEMBER = 50;
const GONE_MEMBERS_KEPT = 2000;

export class TopologyModel {
  revision = 0;
  readonly applications = new Map<string, ApplicationRuntime>();
  /** Each member's transitions, oldest first — also of members that are gone (a Lost one's replacement is another member). */
  readonly history = new Map<string, Transition[]>();
  /** Members that went (Terminated), most recent last: their history is kept a while. */
  private readonly gone: string[] = [];
  private readonly summaryAsked = new Set<string>();
  /** Moves with every change, for views that memoise on it. */
  version = 0;

  static from(snapshot: Pick<TopologySnapshot, 'revision' | 'applications'>): TopologyModel {
    const model = new TopologyModel();
    model.reset(snapshot);
    return model;
  }

  /** Replaces the tree with a snapshot (the first load, or a Snapshot event after a purge); history stays. */
  reset(snapshot: Pick<TopologySnapshot, 'revision' | 'applications'>): void {
    this.applications.clear();
    for (const application of snapshot.applications) this.applications.set(application.applicationId, structuredClone(application));
    this.revision = snapshot.revision;
    this.version++;
  }

  /** Applies one topology event; one at or below the model's revision (already in the snapshot, or a duplicate) changes nothing. */
  apply(event: TopologyEvent): boolean {
    if (event.revision <= this.revision) return false;
    this.revision = event.revision;
    this.version++;
    const p = event.payload as any;
    switch (event.type) {
      case 'ApplicationStatusChanged': {
        const application = this.applicationOf(p.applicationId, event.timestamp);
        application.status = p.to;
        if (p.to === 'Terminated') this.applications.delete(p.applicationId);
        break;
      }
      case 'ClusterCreated': {
        const application = this.applicationOf(p.applicationId, event.timestamp);
        const existing = application.clusters.findIndex((c) => c.clusterId === p.cluster.clusterId);
        const cluster: ClusterView = { ...p.cluster, members: existing >= 0 ? application.clusters[existing].members : [] };
        if (existing >= 0) application.clusters[existing] = cluster;
        else application.clusters.push(cluster);
        break;
      }
      case 'ClusterStatusChanged': {
        const cluster = this.clusterOf(p.applicationId, p.clusterId);
        if (cluster) cluster.status = p.to;
        break;
      }
      case 'ClusterScaled': {
        const cluster = this.clusterOf(p.applicationId, p.clusterId);
        if (cluster) Object.assign(cluster, { minMembers: p.to.min, maxMembers: p.to.max });
        break;
      }
      case 'ClusterCrashes': {
        const cluster = this.clusterOf(p.applicationId, p.clusterId);
        if (cluster) cluster.crashes = p.crashes;
        break;
      }
      case 'ClusterRemoved': {
        const application = this.applications.get(p.applicationId);
        if (application) application.clusters = application.clusters.filter((c) => c.clusterId !== p.cluster.clusterId);
        break;
      }
      case 'MemberCreated':
      case 'MemberStatusChanged': {
        const member: MemberView = p.member;
        this.record(member.memberId, { revision: event.revision, at: event.timestamp, from: event.type === 'MemberCreated' ? null : (p.from ?? null), to: member.status, ...(p.reason ? { reason: p.reason } : {}) });
        const cluster = this.clusterOf(p.applicationId, p.clusterId);
        if (!cluster) break;
        const index = cluster.members.findIndex((m) => m.memberId === member.memberId);
        const health = index >= 0 ? cluster.members[index].health : undefined;
        if (member.status === 'Terminated') {
          if (index >= 0) cluster.members.splice(index, 1);
          this.gone.push(member.memberId);
          while (this.gone.length > GONE_MEMBERS_KEPT) this.history.delete(this.gone.shift()!);
        } else if (index >= 0) cluster.members[index] = { ...member, health: member.health ?? health };
        else cluster.members.push(member);
        break;
      }
      case 'MemberNotice':
        this.record(p.memberId, { revision: event.revision, at: event.timestamp, from: null, to: this.memberOf(p.applicationId, p.clusterId, p.memberId)?.status ?? '', notice: { level: p.level, message: p.message } });
        break;
      default:
        break; // services, sign-ups, artifacts, migrations, autoscaling: in the event log, not in the tree
    }
    return true;
  }

  /** A batch of health reports (no revision: they are not topology changes). */
  applyHealth(batch: Pick<MemberHealthBatch, 'members'>): void {
    for (const { applicationId, clusterId, memberId, health } of batch.members) {
      const member = this.memberOf(applicationId, clusterId, memberId);
      if (member) member.health = health as MemberHealth;
    }
    this.version++;
  }

  /**
   * Applications that appeared through events (a deploy after the snapshot) carry no policy and no
   * groups — the events do not: their summary is to be read once (GET /applications/{id}/runtime).
   */
  takeUnsummarised(): string[] {
    const ids = [...this.applications.values()].filter((a) => a.policyId === '' && !this.summaryAsked.has(a.applicationId)).map((a) => a.applicationId);
    ids.forEach((id) => this.summaryAsked.add(id));
    return ids;
  }

  /** The summary of an application: its policy, tenant, time and groups; its clusters stay the events' (they are newer). */
  mergeSummary(runtime: ApplicationRuntime): void {
    const application = this.applications.get(runtime.applicationId);
    if (!application) return;
    Object.assign(application, { policyId: runtime.policyId, tenantId: runtime.tenantId, deployedAt: runtime.deployedAt, groups: runtime.groups });
    this.version++;
  }

  memberCount(): number {
    let count = 0;
    for (const application of this.applications.values()) for (const cluster of application.clusters) count += cluster.members.length;
    return count;
  }

  private record(memberId: string, transition: Transition): void {
    const list = this.history.get(memberId) ?? [];
    list.push(transition);
    if (list.length > HISTORY_PER_MEMBER) list.splice(0, list.length - HISTORY_PER_MEMBER);
    this.history.set(memberId, list);
  }

  private applicationOf(applicationId: string, at: string): ApplicationRuntime {
    let application = this.applications.get(applicationId);
    if (!application) {
      application = { applicationId, tenantId: null, status: 'Created', policyId: '', deployedAt: at, groups: [], clusters: [] };
      this.applications.set(applicationId, application);
    }
    return application;
  }

  private clusterOf(applicationId: string, clusterId: string): ClusterView | undefined {
    return this.applications.get(applicationId)?.clusters.find((c) => c.clusterId === clusterId);
  }

  private memberOf(applicationId: string, clusterId: string, memberId: string): MemberView | undefined {
    return this.clusterOf(applicationId, clusterId)?.members.find((m) => m.memberId === memberId);
  }
}
