/**
 * Where the controller runs as root, each local member runs as an unprivileged user of its own
 * (as Android gives each app a uid): it cannot read the platform's files (STRATOS_HOME is
 * root's, 0600/0700), another process's environment or memory, nor another member's. The uid
 * follows from the member's own loopback address, which is unique on the machine while the
 * member lives; a replacement in the same slot is given its slot's volumes again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Above the ranges Debian gives users (1000–59999) and subordinate ids (/etc/subuid starts at 100000 × a few). */
export const LOCAL_MEMBER_UID_BASE = 2_000_000;

/** The member's name in its own passwd (software such as PostgreSQL looks itself up). */
export const LOCAL_MEMBER_USER_NAME = 'stratos-member';

/** 127.B.X.Y → a uid of its own: BASE + B·65536 + X·256 + Y. */
export function memberUidOf(ip: string): number {
  const match = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!match) throw new Error(`not a member's loopback address: ${ip}`);
  const [b, x, y] = match.slice(1).map(Number);
  if (b > 255 || x > 255 || y > 255) throw new Error(`not a member's loopback address: ${ip}`);
  return LOCAL_MEMBER_UID_BASE + b * 65536 + x * 256 + y;
}

/** The host's passwd and group with the member's own entry added (bound over /etc's in its sandbox). */
export function memberAccounts(uid: number): { passwd: string; group: string } {
  const host = (file: string) =>
    (existsSync(file) ? readFileSync(file, 'utf8') : '')
      .split('\n')
      .filter((line) => line && !line.startsWith(`${LOCAL_MEMBER_USER_NAME}:`))
      .map((line) => `${line}\n`)
      .join('');
  return {
    passwd: `${host('/etc/passwd')}${LOCAL_MEMBER_USER_NAME}:x:${uid}:${uid}:stratos member:/home/${LOCAL_MEMBER_USER_NAME}:/bin/sh\n`,
    group: `${host('/etc/group')}${LOCAL_MEMBER_USER_NAME}:x:${uid}:\n`,
  };
}

/** Gives a folder and everything under it to the uid (links are changed, not followed); a tree already its own is left as it is. */
export async function giveTree(path: string, uid: number): Promise<void> {
  const stat = await lstat(path);
  if (stat.uid === uid && stat.gid === uid) return;
  await lchown(path, uid, uid);
  if (stat.isDirectory()) for (const name of await readdir(path)) await giveTree(join(path, name), uid);
}
