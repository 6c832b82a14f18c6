/**
 * The tenant keeper: the one part of a multi-tenant container member that stays root. The agent
 * forks it before it becomes the member user; it keeps root only to give each signed-up tenant a
 * user of its own (uid TENANT_UID_BASE + tenant id): the tenant's folder is that user's (mode
 * 0750, group the member's: the member's software reads every tenant's files, one tenant's
 * processes cannot read another's), its repository is cloned as that user, and it removes the
 * folder when the tenant leaves. It takes requests from the agent over the fork's IPC channel only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TenantArtifactsAnswer } from '@stratos/contracts';
import { Artifacts } from './artifacts';

/** A tenant's user id: far above any image's own users and the member user (10001). */
export const TENANT_UID_BASE = 200_000;
export const tenantUid = (tenantId: number) => TENANT_UID_BASE + tenantId;

export type KeeperRequest =
  | { id: number; op: 'prepare'; tenantId: number; dir: string; stateDir: string; memberGid: number; repository: TenantArtifactsAnswer | null; urlRewrites: [string, string][] }
  | { id: number; op: 'pull'; tenantId: number; dir: string; stateDir: string; memberGid: number; repository: TenantArtifactsAnswer; urlRewrites: [string, string][] }
  | { id: number; op: 'remove'; dir: string; stateDir: string };
export type KeeperReply = { id: number; ok: true; detail: string } | { id: number; ok: false; error: string };

/** A tenant's checkout, worked on as the tenant's user. */
function tenantArtifacts(request: { dir: string; stateDir: string; repository: TenantArtifactsAnswer; urlRewrites: [string, string][] }, user: { uid: number; gid: number }): Artifacts {
  return new Artifacts({
    repoUrl: request.repository.repoUrl,
    username: request.repository.repoUsername,
    password: request.repository.repoPassword,
    dir: request.dir,
    stateDir: request.stateDir,
    urlRewrites: request.urlRewrites,
    runAs: user,
  });
}

async function handle(request: KeeperRequest): Promise<string> {
  if (request.op === 'remove') {
    rmSync(request.dir, { recursive: true, force: true });
    rmSync(request.stateDir, { recursive: true, force: true });
    return `${request.dir} removed`;
  }
  const user = { uid: tenantUid(request.tenantId), gid: request.memberGid };
  if (request.op === 'pull') {
    const pulled = await tenantArtifacts(request, user).update();
    return pulled.changed ? pulled.commit : '';
  }
  mkdirSync(dirname(request.dir), { recursive: true });
  if (!existsSync(request.dir)) mkdirSync(request.dir);
  chownSync(request.dir, user.uid, user.gid);
  chmodSync(request.dir, 0o750);
  mkdirSync(dirname(request.stateDir), { recursive: true }); // 0755: each tenant's user passes through to its own
  if (!existsSync(request.stateDir)) mkdirSync(request.stateDir, { mode: 0o700 });
  chownSync(request.stateDir, user.uid, user.gid);
  if (!request.repository) return `${request.dir}, the user ${user.uid}'s (no repository)`;
  const artifacts = tenantArtifacts({ ...request, repository: request.repository }, user);
  const commit = await artifacts.checkout();
  return `${artifacts.displayUrl} at ${commit.slice(0, 12)} in ${request.dir}, as the tenant's user ${user.uid}`;
}

/** The keeper's side: started by fork(), it answers until its parent goes. */
function serve(): void {
  process.on('message', (request: KeeperRequest) => {
    handle(request).then(
      (detail) => process.send?.({ id: request.id, ok: true, detail } satisfies KeeperReply),
      (error: Error) => process.send?.({ id: request.id, ok: false, error: error.message } satisfies KeeperReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.send && process.argv.includes('--tenant-keeper')) serve();

/** Where the keeper is, for fork(). */
export const TENANT_KEEPER_ENTRY = join(__dirname, 'tenant-keeper.js');

/** The agent's side: a keeper forked while the agent is still root, and its requests. */
export class TenantKeeper {
  private next = 0;
  private readonly waiting = new Map<number, (reply: KeeperReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: KeeperReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      for (const done of this.waiting.values()) done({ id: -1, ok: false, error: `the tenant keeper exited (${signal ?? code})` });
      this.waiting.clear();
    });
  }

  /** Forks the keeper; call as root, before becoming the member user. */
  static start(): TenantKeeper {
    return new TenantKeeper(fork(TENANT_KEEPER_ENTRY, ['--tenant-keeper'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  request(request: KeeperRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never): Promise<string> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.ok ? resolve(reply.detail) : reject(new Error(reply.error))));
      this.child.send({ ...request, id });
    });
  }
}
