/**
 * Stratos's agent extensions: `extensions/<event>.sh` of the cartridge's bundle, run when the
 * event happens to this member or to the members it watches (its cluster's, and those of the
 * clusters it depends on), with the launch payload's variables and the event's own
 * (STRATOS_EVENT_*). A failing hook is reported with its output's tail; it does not stop the
 * member.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MetadataTree } from '@stratos/contracts';

/** The Stratos agent's event names this agent runs hooks for. */
export type HookEvent = 'instance-started' | 'start-servers' | 'instance-activated' | 'complete-topology' | 'member-activated' | 'member-terminated' | 'artifacts-updated' | 'clean';

const HOOK_TIMEOUT_MS = 120_000;
const tail = (text: string, max = 1500) => (text.length > max ? `…${text.slice(-max)}` : text);

export class Extensions {
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly options: { cwd: string; report(level: 'info' | 'warning', message: string): void },
  ) {}

  static in(bundleDir: string | undefined, options: { cwd: string; report(level: 'info' | 'warning', message: string): void }): Extensions | null {
    if (!bundleDir || !existsSync(join(bundleDir, 'extensions'))) return null;
    return new Extensions(join(bundleDir, 'extensions'), options);
  }

  /** Runs the event's hook, if the bundle has one, after any still running (hooks never overlap). */
  run(event: HookEvent, vars: Record<string, string> = {}): Promise<void> {
    const script = join(this.dir, `${event}.sh`);
    if (!existsSync(script)) return this.running;
    this.running = this.running.then(() => this.exec(event, script, vars));
    return this.running;
  }

  private exec(event: HookEvent, script: string, vars: Record<string, string>): Promise<void> {
    return new Promise((resolve) => {
      const started = Date.now();
      const child = spawn('/bin/sh', [script], { cwd: this.options.cwd, env: { ...process.env, STRATOS_EVENT: event, ...vars }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output = tail(output + c.toString(), 8192)));
      child.stderr.on('data', (c: Buffer) => (output = tail(output + c.toString(), 8192)));
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, HOOK_TIMEOUT_MS);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const ms = Date.now() - started;
        if (code === 0) this.options.report('info', `extension ${event}.sh ran in ${ms} ms`);
        else this.options.report('warning', `extension ${event}.sh failed (${signal ? `killed after ${HOOK_TIMEOUT_MS / 1000} s` : `exit ${code}`})${output.trim() ? `: ${tail(output.trim())}` : ''}`);
        resolve();
      });
    });
  }
}

export interface WatchedMember {
  memberId: string;
  ip: string;
  sid: string;
  status: string;
  /** '' for its own cluster, else the alias of the linked cluster. */
  link: string;
}

/** The members a tree shows: its cluster's (/hosts) and its links' (/links/<alias>/hosts). */
export function watchedMembers(tree: MetadataTree): Map<string, WatchedMember> {
  const out = new Map<string, WatchedMember>();
  for (const [key, value] of Object.entries(tree)) {
    const match = /^(?:\/links\/([^/]+))?\/hosts\/([^/]+)\/status$/.exec(key);
    if (!match) continue;
    const [, link = '', memberId] = match;
    const prefix = key.slice(0, -'/status'.length);
    out.set(`${link}/${memberId}`, { memberId, ip: tree[`${prefix}/ip`] ?? '', sid: tree[`${prefix}/sid`] ?? '', status: value, link });
  }
  return out;
}

/** What happened between two trees: members that became Active, members that left. */
export function memberEvents(before: MetadataTree, after: MetadataTree): { event: 'member-activated' | 'member-terminated'; member: WatchedMember }[] {
  const was = watchedMembers(before);
  const now = watchedMembers(after);
  const events: { event: 'member-activated' | 'member-terminated'; member: WatchedMember }[] = [];
  for (const [key, member] of now) if (member.status === 'Active' && was.get(key)?.status !== 'Active') events.push({ event: 'member-activated', member });
  for (const [key, member] of was) if (!now.has(key)) events.push({ event: 'member-terminated', member });
  return events;
}

/** STRATOS_EVENT_* variables of a member event. */
export function memberVars(member: WatchedMember): Record<string, string> {
  return { STRATOS_EVENT_MEMBER_ID: member.memberId, STRATOS_EVENT_MEMBER_IP: member.ip, STRATOS_EVENT_MEMBER_SID: member.sid, STRATOS_EVENT_CLUSTER_ALIAS: member.link };
}
