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
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

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

/** Where a member whose system is an image's tree finds the host's programs it is started with (the agent's Node.js, setpriv) and their libraries. */
const HOST_TOOLS = '/.stratos/host';
/** An image's top-level folders that stay the member's own (writable, or the kernel's). */
const MEMBER_OWN_DIRS = new Set(['proc', 'dev', 'sys', 'tmp', 'run', 'home', 'root', 'var']);

/** The host's dynamic loader and its library folder (where Node.js's and setpriv's libraries are). */
function hostLoader(): { loader: string; libraries: string } | null {
  for (const candidate of ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1', '/lib/ld-linux-armhf.so.3']) {
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    return { loader: real, libraries: dirname(real) };
  }
  return null;
}

/**
 * How to start a host program inside a sandbox whose system is an image's: through the host's
 * own loader and libraries, seen at HOST_TOOLS (the image's may be another distribution's, or
 * none: a busybox tree). Without an image: the program as it is.
 */
export function hostProgram(program: string, image: boolean): string[] {
  if (!image) return [program];
  const found = hostLoader();
  if (!found) throw new Error('no dynamic loader found on this host (/lib64/ld-linux-x86-64.so.2): a member cannot run on a local image here');
  return [`${HOST_TOOLS}/lib/${basename(found.loader)}`, '--library-path', `${HOST_TOOLS}/lib`, `${HOST_TOOLS}/bin/${basename(program)}`];
}

/**
 * bubblewrap's arguments: the root folder as `/`, the host's system read-only (or, with `image`,
 * that tree's: its top-level folders but the member's own ones, and of its /var all but tmp), the
 * volumes writable.
 */
export function sandboxArgs(options: { root: string; agentEntry: string; volumes: SandboxMount[]; hidden?: string[]; files?: SandboxMount[]; image?: string; hostPrograms?: string[] }): string[] {
  const args = ['--bind', options.root, '/'];
  const system = (source: string, target: string) => {
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(source), target);
    else args.push('--ro-bind', source, target);
  };
  if (options.image) {
    for (const name of readdirSync(options.image).sort()) {
      if (name === 'var' && lstatSync(join(options.image, name)).isDirectory()) {
        for (const inVar of readdirSync(join(options.image, 'var')).sort()) if (inVar !== 'tmp') system(join(options.image, 'var', inVar), `/var/${inVar}`);
      } else if (!MEMBER_OWN_DIRS.has(name)) system(join(options.image, name), `/${name}`);
    }
    // An image without /etc: the member's own (its passwd and group are bound there), passable by its user (bubblewrap's folders are 0700).
    if (!existsSync(join(options.image, 'etc'))) args.push('--perms', '0755', '--dir', '/etc');
    const found = hostLoader();
    if (!found) throw new Error('no dynamic loader found on this host: a member cannot run on a local image here');
    // A tmpfs of the sandbox's own (never folders left in the member's root), its folders 0755 (bubblewrap's are 0700): the member's user passes.
    args.push('--perms', '0755', '--tmpfs', '/.stratos');
    for (const dir of [HOST_TOOLS, `${HOST_TOOLS}/bin`]) args.push('--perms', '0755', '--dir', dir);
    args.push('--ro-bind', found.libraries, `${HOST_TOOLS}/lib`);
    for (const program of options.hostPrograms ?? []) args.push('--ro-bind', program, `${HOST_TOOLS}/bin/${basename(program)}`);
  } else {
    args.push('--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc');
    for (const name of SYSTEM_DIRS) if (existsSync(`/${name}`)) system(`/${name}`, `/${name}`);
  }
  // Over /etc's: the member's own passwd and group (an image without the file: its uid has no name there).
  for (const file of options.files ?? []) if (!options.image || !existsSync(join(options.image, 'etc')) || existsSync(join(options.image, file.target))) args.push('--ro-bind', file.source, file.target);
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
  if (!options.image && !nodePrefix.startsWith('/usr') && nodePrefix !== '/') readOnly(nodePrefix);
  // The platform's own folder (admin credential, database password, member secret, secret key)
  // is never the member's to read, also where it lies inside the project folder seen above.
  const bound = [projectOf(options.agentEntry), ...(options.image ? [] : ['/usr', '/etc'])];
  const seen = (path: string) => bound.some((b) => path === b || path.startsWith(`${b}/`));
  for (const path of options.hidden ?? []) if (existsSync(path) && seen(resolve(path))) args.push('--tmpfs', resolve(path));
  args.push('--proc', '/proc', '--dev', '/dev', '--ro-bind-try', '/sys', '/sys');
  for (const volume of options.volumes) args.push('--bind', volume.source, volume.target);
  args.push('--chdir', '/');
  return args;
}
