/**
 * A local member's own filesystem: with bubblewrap, the member's root folder is its `/`, the
 * host's system folders (/usr, /etc, the libraries, the agent's code) are seen read-only, and
 * each persistent volume is a folder of its own bound at its mappingPath. So a template's
 * `dest = "/opt/zookeeper/conf/zoo.cfg"` and ZooKeeper's `dataDir=/zk_data/zookeeper` are the
 * member's own, as in a container, and three members on one host never share them.
 *
 * Without bubblewrap (or where it cannot run: no user namespaces) members share the host's
 * filesystem: the agent then resolves config paths inside the root folder itself, and a
 * volume is a link there; software that writes absolute paths of its own is not isolated.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SandboxMount {
  /** A host folder. */
  source: string;
  /** Where the member sees it. */
  target: string;
}

let probed: boolean | null = null;

/** Whether bubblewrap runs here (installed, and allowed to make a mount namespace). */
export function sandboxAvailable(): boolean {
  if (probed === null) {
    const result = spawnSync('bwrap', ['--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'], { stdio: 'ignore', timeout: 5000 });
    probed = result.status === 0;
  }
  return probed;
}

/** The folder holding node_modules above a file (the project whose agent a member runs). */
function projectOf(file: string): string {
  for (let dir = dirname(resolve(file)); dir !== dirname(dir); dir = dirname(dir)) if (existsSync(resolve(dir, 'node_modules'))) return dir;
  return dirname(resolve(file));
}

const SYSTEM_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** bubblewrap's arguments: the root folder as `/`, the host's system read-only, the volumes writable. */
export function sandboxArgs(options: { root: string; agentEntry: string; volumes: SandboxMount[]; hidden?: string[]; files?: SandboxMount[] }): string[] {
  const args = ['--bind', options.root, '/', '--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc'];
  for (const file of options.files ?? []) args.push('--ro-bind', file.source, file.target); // over /etc's (the member's own passwd and group)
  for (const name of SYSTEM_DIRS) {
    const path = `/${name}`;
    if (!existsSync(path)) continue;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  // The agent's code and Node.js itself, where they are not under /usr. The folders above them
  // are made 0755 (bubblewrap's own are 0700), so a workload that drops root can reach them too.
  const readOnly = (path: string) => {
    const above: string[] = [];
    for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) above.unshift(dir);
    for (const dir of above) args.push('--perms', '0755', '--dir', dir);
    args.push('--ro-bind', path, path);
  };
  readOnly(projectOf(options.agentEntry));
  const nodePrefix = dirname(dirname(process.execPath));
  if (!nodePrefix.startsWith('/usr') && nodePrefix !== '/') readOnly(nodePrefix);
  // The platform's own folder (admin credential, database password, member secret, secret key)
  // is never the member's to read, also where it lies inside the project folder seen above.
  const bound = [projectOf(options.agentEntry), '/usr', '/etc'];
  const seen = (path: string) => bound.some((b) => path === b || path.startsWith(`${b}/`));
  for (const path of options.hidden ?? []) if (existsSync(path) && seen(resolve(path))) args.push('--tmpfs', resolve(path));
  args.push('--proc', '/proc', '--dev', '/dev', '--ro-bind-try', '/sys', '/sys');
  for (const volume of options.volumes) args.push('--bind', volume.source, volume.target);
  args.push('--chdir', '/');
  return args;
}
