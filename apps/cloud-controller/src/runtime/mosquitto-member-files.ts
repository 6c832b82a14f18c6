import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chown, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { memberBrokerUser, type MemberBrokerIdentity } from '@stratos/contracts';

/** What one member's broker user may do: publish on `write`, subscribe to and receive `read` (literal topics). */
export interface MemberAcl {
  write: string[];
  read: string[];
}

/** The folder's two files: Mosquitto's `password_file` and `acl_file` point at them. */
export const MEMBER_FILES = { passwords: 'passwd', acl: 'acl' } as const;

/**
 * A member instance's user name in the files: opaque and of safe characters (a Mosquitto
 * password file splits its lines at the first `:`, which the platform's member user names hold).
 */
export function memberFileUser(identity: MemberBrokerIdentity): string {
  return `stratos-member-${createHash('sha256').update(memberBrokerUser(identity)).digest('hex').slice(0, 32)}`;
}

/** A password file line as `mosquitto_passwd` writes it (2.0: PBKDF2-SHA512, 101 iterations, a 12-byte salt). */
export function passwordLine(username: string, password: string, salt: Buffer = randomBytes(12)): string {
  const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
  return `${username}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** The password file's users, each with its line; lines that are not `user:hash` are dropped. */
export function parsePasswordFile(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) users.set(line.slice(0, colon), line.trimEnd());
  }
  return users;
}

/** The ACL file's `user` blocks, each with its lines (the `user` line first); what precedes the first block is dropped. */
export function parseAclFile(text: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('user ')) {
      current = [line];
      blocks.set(line.slice('user '.length).trim(), current);
    } else if (current && line.startsWith('topic ')) {
      current.push(line);
    }
  }
  return blocks;
}

export function aclBlock(username: string, acl: MemberAcl): string[] {
  return [`user ${username}`, ...acl.write.map((topic) => `topic write ${topic}`), ...acl.read.map((topic) => `topic read ${topic}`)];
}

const HEADER = '# Written by the Stratos cloud controller (STRATOS_MQTT_MEMBER_FILES): one user per member instance. Do not edit.';

type Change = { kind: 'put'; username: string; password: string; acl?: MemberAcl } | { kind: 'remove'; username: string };

interface Waiter {
  change: Change;
  resolve(): void;
  reject(error: Error): void;
}

export interface MosquittoMemberFilesOptions {
  /** The folder holding the two files. */
  dir: string;
  /** Mosquitto's pid file: the broker is told (SIGHUP) to read the files again. */
  pidFile: string;
  /** Where the broker is reached, for the check that it took a new user (its credentials are not used). */
  brokerUrl: string;
  brokerTrust?: { ca?: string; checkServerIdentity?: () => undefined };
  /** How long the broker may take to accept a new user after being told (default: reloadTimeoutFor the users in the files). */
  reloadTimeoutMs?: number;
}

/**
 * Members' broker identities as Mosquitto's password and ACL files, for fleets that dynamic
 * security cannot make in time: in Mosquitto 2.0 it rewrites its whole file at every command
 * (10,000 members ≈ 29 min), while these files are written once per batch of changes (what
 * arrived while the previous batch was being written) and the broker reads them again on SIGHUP
 * (10,000 users in ≈ 0.1 s). A new user is known to be in force once it signs in: a change
 * resolves only then. The files are read back before each write, so a controller that takes
 * over (or restarts) keeps the identities the previous one made.
 */
export class MosquittoMemberFiles {
  private waiting: Waiter[] = [];
  private writing: Promise<void> | null = null;
  /** The users in the files as last written. */
  private users = 0;

  constructor(private readonly options: MosquittoMemberFilesOptions) {}

  /** How many new users to put together, at the size the files have reached (identitiesPerReload). */
  get batchSize(): number {
    return identitiesPerReload(this.users);
  }

  /** Adds the user or changes its password (and its ACL, where given); resolves once the broker accepts it. */
  put(username: string, password: string, acl?: MemberAcl): Promise<void> {
    return this.enqueue({ kind: 'put', username, password, acl });
  }

  /** Removes the user; the broker signs out its connections as it reads the files again. */
  remove(username: string): Promise<void> {
    return this.enqueue({ kind: 'remove', username });
  }

  private enqueue(change: Change): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ change, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Writes batches until nothing waits: each batch is every change that arrived while the previous one was written. */
  private async drain(): Promise<void> {
    // Let the changes of the same moment join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.apply(batch.map((w) => w.change));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error as Error);
      }
    }
    this.writing = null;
  }

  private async apply(changes: Change[]): Promise<void> {
    const passwordPath = join(this.options.dir, MEMBER_FILES.passwords);
    const aclPath = join(this.options.dir, MEMBER_FILES.acl);
    const [passwords, acl] = await Promise.all([readFile(passwordPath, 'utf8').catch(absentIsEmpty).then(parsePasswordFile), readFile(aclPath, 'utf8').catch(absentIsEmpty).then(parseAclFile)]);
    let probe: { username: string; password: string } | null = null;
    for (const change of changes) {
      if (change.kind === 'remove') {
        passwords.delete(change.username);
        acl.delete(change.username);
        continue;
      }
      passwords.set(change.username, passwordLine(change.username, change.password));
      if (change.acl) acl.set(change.username, aclBlock(change.username, change.acl));
      probe = { username: change.username, password: change.password };
    }
    if (probe && !acl.has(probe.username)) throw new Error(`no ACL for broker user ${probe.username}`);
    // The ACL first: a user the password file knows is never without its limits.
    await replaceFile(aclPath, [HEADER, ...[...acl.values()].map((lines) => lines.join('\n'))].join('\n\n') + '\n');
    await replaceFile(passwordPath, [...passwords.values()].join('\n') + '\n');
    this.users = passwords.size;
    await this.reload();
    if (probe) await this.accepted(probe.username, probe.password, this.options.reloadTimeoutMs ?? reloadTimeoutFor(passwords.size));
  }

  private async reload(): Promise<void> {
    let pid: number;
    try {
      pid = Number((await readFile(this.options.pidFile, 'utf8')).trim());
    } catch (error) {
      throw new Error(`cannot read the broker's pid file ${this.options.pidFile} (STRATOS_MQTT_BROKER_PID_FILE): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`the broker's pid file ${this.options.pidFile} holds no process id`);
    try {
      process.kill(pid, 'SIGHUP');
    } catch (error) {
      throw new Error(`cannot tell the broker (pid ${pid}, from ${this.options.pidFile}) to read its member files again: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  /**
   * Signs in as the user until the broker accepts it: the fence that it read the files again.
   * Mosquitto clears its reload flag after a reload, so a signal that arrives while it is
   * reloading (another batch's; a reload of 10,000 users takes a while) is lost: while the
   * broker answers and refuses the user, it is told again, less and less often.
   */
  private async accepted(username: string, password: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let resignalAt = Date.now() + RESIGNAL_FIRST_MS;
    let resignalEveryMs = RESIGNAL_FIRST_MS;
    let signals = 1;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const client = await mqtt.connectAsync(this.options.brokerUrl, { ...this.options.brokerTrust, username, password, clientId: `stratos-cc-probe-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0, connectTimeout: 2000, clean: true });
        await client.endAsync(true);
        return;
      } catch (error) {
        last = (error as Error).message;
        // Only a refusal tells of a missed signal: a broker that does not answer may be reloading (10,000 users take seconds), and another signal would make it reload again.
        if (refusedSignIn(error) && Date.now() >= resignalAt) {
          await this.reload();
          signals += 1;
          resignalEveryMs = Math.min(resignalEveryMs * 2, RESIGNAL_MAX_MS);
          resignalAt = Date.now() + resignalEveryMs;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error(`the broker did not accept a new member user within ${timeoutMs} ms after being told ${signals} time(s) to read ${this.options.dir} again (${last}): is its password_file ${join(this.options.dir, MEMBER_FILES.passwords)} and its acl_file ${join(this.options.dir, MEMBER_FILES.acl)}?`);
  }
}

/**
 * How long a broker may take to read the files again with this many users. Mosquitto 2.0 finds a
 * client's ACL by walking its list of users, at each sign-in and for every connected client at
 * each reload: a reload costs in proportion to users × clients. Measured on a 2-core machine
 * (Debian's Mosquitto 2.0.11): with 10,000 users signed in, 9.7–11.9 s of the broker's CPU a
 * reload (1.9 s with the same users and no user blocks in the ACL file). A fixed
 * 10 s made a mass launch fail past ≈9,600 members and retry the batch, each retry another reload:
 * a livelock. 10 s, and 3 ms a user beyond that.
 */
export function reloadTimeoutFor(users: number): number {
  return 10_000 + 3 * Math.max(0, users);
}

/**
 * How many new users to write before one reload, with this many in the files: a reload costs
 * users × clients (reloadTimeoutFor), so a mass launch in fixed batches of 200 costs the broker
 * ≈N³/600 — minutes of its CPU at 10,000, blocked ≈10 s a batch near the end. Batches of a quarter
 * of the users (200 to 1,000) make it ≈N³/(3·1,000) past 4,000 and a few reloads before.
 * (Each new line costs the controller one PBKDF2: 1,000 ≈ 140 ms.)
 */
export function identitiesPerReload(users: number): number {
  return Math.min(1_000, Math.max(200, Math.floor(users / 4)));
}

/** CONNACK's refusals of a user: 4 and 5 (MQTT 3.1.1), 134 and 135 (MQTT 5). */
const REFUSED_SIGN_IN = new Set([4, 5, 134, 135]);

function refusedSignIn(error: unknown): boolean {
  return REFUSED_SIGN_IN.has((error as { code?: unknown }).code as number) || /Not authori[sz]ed|Bad user ?name or password/i.test((error as Error).message);
}

/** A refused new user after this long means the broker may have missed the signal: it is sent again, then at twice the interval, up to the maximum. */
const RESIGNAL_FIRST_MS = 1_000;
const RESIGNAL_MAX_MS = 4_000;

function absentIsEmpty(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return '';
  throw error;
}

/** Written beside and renamed over: the broker never reads half a file. Keeps the file's owner and mode (the broker's user must read it). */
async function replaceFile(path: string, text: string): Promise<void> {
  const previous = await stat(path).catch(() => null);
  const next = `${path}.next`;
  await rm(next, { force: true }); // a crash's leftover would keep its own mode
  await writeFile(next, text, { mode: previous ? previous.mode & 0o777 : 0o640 });
  if (previous && process.getuid?.() === 0) await chown(next, previous.uid, previous.gid);
  await rename(next, path);
}
