/**
 * The tenant keeper: the one part of a multi-tenant container member that stays root. The agent
 * forks it before it becomes the member user; it keeps root only to give each signed-up tenant a
 * user of its own (uid TENANT_UID_BASE + tenant id): the tenant's folder is that user's (mode
 * 0750, group the member's: the member's software reads every tenant's files, one tenant's
 * processes cannot read another's), and it removes the folder when the tenant leaves. Of root's
 * powers it uses CHOWN, SETUID and SETGID only (a multi-tenant container keeps no others): folders
 * are made as the owner of the folder they go in, and everything inside a tenant's folder — its
 * clone, its pulls, its removal — is done by a process that is the tenant's user, forked for it.
 * It takes requests from the agent over the fork's IPC channel only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
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

/** What a process forked as the tenant's user does in the tenant's folders, and says back. */
type TenantWork =
  | { op: 'checkout' | 'update'; dir: string; stateDir: string; repository: TenantArtifactsAnswer; urlRewrites: [string, string][] }
  | { op: 'empty'; dirs: string[] };

/** Runs `work` as the owner of `path` (effective ids only, back to root after): nothing of root's is needed to write there. */
function asOwnerOf<T>(path: string, work: () => T): T {
  const { uid, gid } = statSync(path);
  if (uid === 0) return work();
  process.setegid!(gid);
  process.seteuid!(uid);
  try {
    return work();
  } finally {
    process.seteuid!(0);
    process.setegid!(0);
  }
}

/** `path` made (with its missing parents), each folder by the owner of the folder it goes in. */
function makeFolder(path: string, mode: number): void {
  if (existsSync(path)) return;
  makeFolder(dirname(path), 0o755);
  asOwnerOf(dirname(path), () => mkdirSync(path, { mode }));
}

/** A folder of the tenant's: made by the owner of its parent with `mode`, then given to the tenant's user (CHOWN). */
function tenantFolder(path: string, mode: number, user: { uid: number; gid: number }): void {
  if (existsSync(path) && statSync(path).uid === user.uid) return;
  makeFolder(path, mode);
  chownSync(path, user.uid, user.gid);
}

/** Does `work` in a process that is the tenant's user from its first instruction (fork with uid/gid: SETUID, SETGID). */
function asTenant(user: { uid: number; gid: number }, home: string, work: TenantWork): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(TENANT_KEEPER_ENTRY, ['--tenant-work'], { uid: user.uid, gid: user.gid, cwd: '/', env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (reply: { ok: boolean; detail?: string; error?: string }) => {
      answered = true;
      if (reply.ok) resolve(reply.detail ?? '');
      else reject(new Error(reply.error));
    });
    child.once('exit', (code, signal) => answered || reject(new Error(`the tenant's process exited (${signal ?? code}) before it answered`)));
    child.send(work);
  });
}

/** The tenant's side: one piece of work as the tenant's user, then it exits. */
async function doTenantWork(work: TenantWork): Promise<string> {
  if (work.op === 'empty') {
    for (const dir of work.dirs) if (existsSync(dir)) for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
    return '';
  }
  const artifacts = new Artifacts({ repoUrl: work.repository.repoUrl, username: work.repository.repoUsername, password: work.repository.repoPassword, dir: work.dir, stateDir: work.stateDir, urlRewrites: work.urlRewrites });
  if (work.op === 'checkout') return `${artifacts.displayUrl} at ${(await artifacts.checkout()).slice(0, 12)}`;
  const pulled = await artifacts.update();
  return pulled.changed ? pulled.commit : '';
}

async function handle(request: KeeperRequest): Promise<string> {
  if (request.op === 'remove') {
    for (const dir of [request.dir, request.stateDir]) {
      if (!existsSync(dir)) continue;
      const { uid, gid } = statSync(dir);
      if (uid === 0) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      // Emptied by its owner (the tenant's user), then removed by the owner of the folder it is in.
      await asTenant({ uid, gid }, '/', { op: 'empty', dirs: [dir] });
      asOwnerOf(dirname(dir), () => rmdirSync(dir));
    }
    return `${request.dir} removed`;
  }
  const user = { uid: tenantUid(request.tenantId), gid: request.memberGid };
  if (request.op === 'pull') return asTenant(user, request.stateDir, { op: 'update', dir: request.dir, stateDir: request.stateDir, repository: request.repository, urlRewrites: request.urlRewrites });
  tenantFolder(request.dir, 0o750, user);
  tenantFolder(request.stateDir, 0o700, user);
  if (!request.repository) return `${request.dir}, the user ${user.uid}'s (no repository)`;
  const done = await asTenant(user, request.stateDir, { op: 'checkout', dir: request.dir, stateDir: request.stateDir, repository: request.repository, urlRewrites: request.urlRewrites });
  return `${done} in ${request.dir}, as the tenant's user ${user.uid}`;
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
if (process.send && process.argv.includes('--tenant-work')) {
  process.once('message', (work: TenantWork) => {
    doTenantWork(work).then(
      (detail) => process.send!({ ok: true, detail }, () => process.exit(0)),
      (error: Error) => process.send!({ ok: false, error: error.message }, () => process.exit(0)),
    );
  });
}

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
