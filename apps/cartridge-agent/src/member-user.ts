/**
 * The member user: an agent started as root (a container's first process) gives an unprivileged
 * user the member's own folders — its volumes, its artifacts, its bundle and state, the folders
 * its templates write — and becomes that user before anything of the cartridge runs. So a
 * workload never runs as root unless its cartridge says `container.user: root`, and what it can
 * touch is what the member owns. The pattern of the official PostgreSQL image's entrypoint.
 */
import { appendFileSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface MemberUser {
  uid: number;
  gid: number;
}

/** The agent's own folder in the member (bundle, exports, artifact state). */
export const STRATOS_STATE_PATH = 'var/lib/stratos';

/** The name given to the member user where the image has no entry for its uid. */
export const MEMBER_USER_NAME = 'stratos-member';

/** "UID:GID" → the user; absent → null; anything else is refused (the controller wrote it). */
export function parseMemberUser(raw: string | undefined): MemberUser | null {
  if (!raw) return null;
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(raw.trim());
  if (!match) throw new Error(`STRATOS_MEMBER_USER must be UID:GID, not "${raw}"`);
  const [uid, gid] = [Number(match[1]), Number(match[2])];
  if (uid === 0 || uid > 0xfffffffe || gid > 0xfffffffe) throw new Error(`STRATOS_MEMBER_USER must name an unprivileged user, not "${raw}"`);
  return { uid, gid };
}

/** Whether /etc/passwd (or /etc/group) has an entry with that id in its third field. */
function hasEntry(file: string, id: number): boolean {
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8')
    .split('\n')
    .some((line) => line.split(':')[2] === String(id));
}

/** Gives the path and everything under it to the user (lchown: links are not followed out). */
function chownTree(path: string, user: MemberUser): void {
  const stat = lstatSync(path);
  if (stat.uid === user.uid && stat.gid === user.gid && !stat.isDirectory()) return;
  chownSync(path, user.uid, user.gid);
  if (stat.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), user);
}

export interface MemberFolders {
  /** Given whole (their content too): volumes, the artifacts folder, the agent's own state. */
  trees: string[];
  /** Made if missing and given, not their content: the folders templates write their files in. */
  folders: string[];
}

/**
 * As root: an entry for the user in the image's passwd and group (software such as PostgreSQL
 * looks itself up), a home, the member's folders; then setgroups/setgid/setuid. Not root:
 * nothing to do (a local member is started as its user). Returns the home folder, or null.
 */
export function becomeMemberUser(user: MemberUser, folders: MemberFolders, root: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const home = resolve(root, 'home', MEMBER_USER_NAME);
  if (!hasEntry(resolve(root, 'etc/group'), user.gid)) appendFileSync(resolve(root, 'etc/group'), `${MEMBER_USER_NAME}:x:${user.gid}:\n`);
  if (!hasEntry(resolve(root, 'etc/passwd'), user.uid)) appendFileSync(resolve(root, 'etc/passwd'), `${MEMBER_USER_NAME}:x:${user.uid}:${user.gid}:stratos member:/home/${MEMBER_USER_NAME}:/bin/sh\n`);
  mkdirSync(home, { recursive: true });
  for (const path of [home, ...folders.trees]) {
    mkdirSync(path, { recursive: true });
    chownTree(path, user);
  }
  for (const folder of folders.folders) {
    // The first folder that did not exist and everything made below it are the member's; an existing one is given itself.
    let top = folder;
    while (!existsSync(dirname(top)) && dirname(top) !== top) top = dirname(top);
    const made = !existsSync(top);
    mkdirSync(folder, { recursive: true });
    if (made) chownTree(top, user);
    else chownSync(folder, user.uid, user.gid);
  }
  process.setgroups!([user.gid]);
  process.setgid!(user.gid);
  process.setuid!(user.uid);
  return home;
}
