/**
 * A multi-tenant member's tenants. Each tenant signed up to the application shows in the member's
 * tree (/tenants/<id>/…); the agent gives it a folder of its own, APPLICATION_PATH/tenants/<id>,
 * clones the tenant's repository for this cluster there (asking the controller for its
 * credentials, which never reach the tree), and confirms the sign-up's revision. A tenant that
 * leaves the tree (its sign-up removed, the tenant deactivated or deleted) has its folder removed.
 * One tenant's failure is reported and does not keep the member from serving the others.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { signedUpTenants, SignUpTreeKey, tenantFolder, type MetadataTree, type TenantArtifactsAnswer } from '@stratos/contracts';
import { Artifacts } from './artifacts';
import { tenantUid, type TenantKeeper } from './tenant-keeper';

export interface TenantHostOptions {
  /** APPLICATION_PATH inside the member's root. */
  applicationPath: string;
  /** The agent's own folder (askpass scripts). */
  stateDir: string;
  urlRewrites: [string, string][];
  /** The tenant's repository for this member's cluster, with its credentials; null when it gave none. */
  repositoryOf(tenantId: number): Promise<TenantArtifactsAnswer | null>;
  /** In a container whose agent started as root: the keeper that gives each tenant a user of its own. Absent: the folders are the member user's. */
  keeper?: { client: TenantKeeper; memberGid: number };
  prepared(tenantId: number, revision: number, detail: string): Promise<void>;
  failed(tenantId: number, revision: number, why: string): Promise<void>;
  removed(tenantId: number, domain: string): void;
  /** A pull moved a tenant's checkout to a new commit. */
  updated(tenantId: number, domain: string, commit: string): void;
  /** A pull failed (the checkout stays as it was). */
  pullFailed(tenantId: number, why: string): void;
}

/** A tenant prepared: the sign-up revision it confirmed, the artifacts revision its checkout is at, its repository (in memory only, to pull). */
interface ReadyTenant {
  revision: number;
  artifactsRevision: number;
  domain: string;
  repository: TenantArtifactsAnswer | null;
}

/** A tenant that could not be prepared is tried again this long after (and whenever the tree changes). */
const RETRY_MS = 30_000;

export class TenantHost {
  /** tenantId → the revision prepared, the domain, and its repository (kept in memory only, to pull). */
  private readonly ready = new Map<number, ReadyTenant>();
  private queue: Promise<void> = Promise.resolve();
  /**
   * Work on one tenant's folder, one at a time per tenant (a prepare, a pull, a removal): a pull
   * round over every tenant holds each tenant's folder in turn, never the syncs — a new sign-up is
   * not kept waiting behind a round of a hundred fetches.
   */
  private readonly folders = new Map<number, Promise<void>>();
  private pulling = false;
  private latest: MetadataTree = {};
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly options: TenantHostOptions) {}

  /** The tenants prepared now, by id. */
  get tenants(): number[] {
    return [...this.ready.keys()];
  }

  /**
   * The tree with what only this member knows of each tenant it prepared: its folder
   * (/tenants/<id>/path) and the user that owns it (/tenants/<id>/uid), for templates that serve
   * or start something per tenant. A tenant not prepared (yet) has neither.
   */
  annotate(tree: MetadataTree): MetadataTree {
    const out = { ...tree };
    for (const tenantId of this.ready.keys()) {
      if (tree[SignUpTreeKey.domain(tenantId)] === undefined) continue;
      out[SignUpTreeKey.path(tenantId)] = this.folder(tenantId);
      out[SignUpTreeKey.uid(tenantId)] = String(this.options.keeper ? tenantUid(tenantId) : (process.getuid?.() ?? 0));
    }
    return out;
  }

  /** Brings the member's tenants to what the tree names; one sync at a time, in order. */
  sync(tree: MetadataTree): Promise<void> {
    this.latest = tree;
    const next = this.queue.then(() => this.syncNow(this.latest));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async syncNow(tree: MetadataTree): Promise<void> {
    const wanted = signedUpTenants(tree);
    for (const [tenantId, tenant] of wanted) {
      const ready = this.ready.get(tenantId);
      if (ready?.revision === tenant.revision) {
        // A git hook for its repository moved the artifacts revision: its checkout is pulled now, not at the next interval.
        if (ready.artifactsRevision !== tenant.artifactsRevision) {
          ready.artifactsRevision = tenant.artifactsRevision;
          await this.pullOne(tenantId);
        }
        continue;
      }
      const started = Date.now();
      try {
        const repository = tenant.artifactsUrl !== null ? await this.options.repositoryOf(tenantId) : null;
        const detail = await this.withFolder(tenantId, () => this.prepare(tenantId, repository));
        this.ready.set(tenantId, { revision: tenant.revision, artifactsRevision: tenant.artifactsRevision, domain: tenant.domain, repository });
        await this.options.prepared(tenantId, tenant.revision, `tenant ${tenant.domain} (${tenantId}) prepared in ${Date.now() - started} ms: ${detail}`);
      } catch (error) {
        await this.options.failed(tenantId, tenant.revision, (error as Error).message);
        this.retry ??= setTimeout(() => {
          this.retry = null;
          void this.sync(this.latest);
        }, RETRY_MS).unref();
      }
    }
    for (const [tenantId, { domain }] of this.ready) {
      if (wanted.has(tenantId)) continue;
      this.ready.delete(tenantId);
      await this.withFolder(tenantId, async () => {
        if (this.options.keeper) await this.options.keeper.client.request({ op: 'remove', dir: this.folder(tenantId), stateDir: this.stateDir(tenantId) }).catch(() => undefined);
        else rmSync(this.folder(tenantId), { recursive: true, force: true });
      });
      this.options.removed(tenantId, domain);
    }
  }

  private folder(tenantId: number): string {
    return tenantFolder(this.options.applicationPath, tenantId);
  }

  private stateDir(tenantId: number): string {
    return join(this.options.stateDir, 'tenants', String(tenantId));
  }

  /** Its folder, and its repository checked out there; what was done, for the notice. */
  private async prepare(tenantId: number, repository: TenantArtifactsAnswer | null): Promise<string> {
    const dir = this.folder(tenantId);
    const keeper = this.options.keeper;
    if (keeper) return keeper.client.request({ op: 'prepare', tenantId, dir, stateDir: this.stateDir(tenantId), memberGid: keeper.memberGid, repository, urlRewrites: this.options.urlRewrites });
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    if (!repository) return `${dir} (no repository)`;
    const artifacts = this.artifactsOf(tenantId, repository);
    const commit = await artifacts.checkout();
    return `${artifacts.displayUrl} at ${commit.slice(0, 12)} in ${dir}`;
  }

  private artifactsOf(tenantId: number, repository: TenantArtifactsAnswer): Artifacts {
    return new Artifacts({
      repoUrl: repository.repoUrl,
      username: repository.repoUsername,
      password: repository.repoPassword,
      dir: this.folder(tenantId),
      stateDir: this.stateDir(tenantId),
      urlRewrites: this.options.urlRewrites,
    });
  }

  /**
   * Brings each prepared tenant's checkout to its repository's HEAD (on the pull interval), one
   * tenant after the other beside the syncs; one tenant's failure is reported, not fatal. A round
   * still running when the next is due makes that one a no-op.
   */
  async pull(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      for (const tenantId of [...this.ready.keys()]) await this.pullOne(tenantId);
    } finally {
      this.pulling = false;
    }
  }

  private pullOne(tenantId: number): Promise<void> {
    return this.withFolder(tenantId, async () => {
      const ready = this.ready.get(tenantId); // removed meanwhile: nothing to pull
      if (!ready?.repository) return;
      const keeper = this.options.keeper;
      const commit = keeper
        ? await keeper.client.request({ op: 'pull', tenantId, dir: this.folder(tenantId), stateDir: this.stateDir(tenantId), memberGid: keeper.memberGid, repository: ready.repository, urlRewrites: this.options.urlRewrites })
        : await this.artifactsOf(tenantId, ready.repository).update().then((p) => (p.changed ? p.commit : ''));
      if (commit) this.options.updated(tenantId, ready.domain, commit);
    }).catch((error: Error) => this.options.pullFailed(tenantId, error.message));
  }

  /** Runs `work` on a tenant's folder once the work before it on that folder is done. */
  private withFolder<T>(tenantId: number, work: () => Promise<T>): Promise<T> {
    const before = this.folders.get(tenantId) ?? Promise.resolve();
    const next = before.then(work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.folders.set(tenantId, settled);
    void settled.then(() => this.folders.get(tenantId) === settled && this.folders.delete(tenantId));
    return next;
  }
}
