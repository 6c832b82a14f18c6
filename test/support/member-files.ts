/**
 * A member's files and life as a test sees them, on either driver: a local member's root folder
 * and volume folders under STRATOS_HOME, or a container (docker exec, docker kill).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemberView } from '@stratos/contracts';

export type Driver = 'local' | 'docker';

export interface MemberFiles {
  /** A file's text as the member sees it at `path` (absolute), or null where there is none. */
  read(member: MemberView, path: string): string | null;
  /** Kills the member's whole instance at once (kill -9 of its process group; docker kill). */
  kill(member: MemberView): void;
  /** The member's processes and the uid each runs as, but the one that starts it (bubblewrap, docker's init). */
  processes(member: MemberView): { uid: number; command: string }[];
}

export function memberFiles(driver: Driver, home: string, volumes: { clusterId: string; id: string; mappingPath: string }[] = []): MemberFiles {
  if (driver === 'docker') {
    return {
      read(member, path) {
        const result = spawnSync('docker', ['exec', member.instanceId!, 'cat', path], { encoding: 'utf8' });
        return result.status === 0 ? result.stdout : null;
      },
      kill(member) {
        spawnSync('docker', ['kill', member.instanceId!], { stdio: 'ignore' });
      },
      processes(member) {
        // As the container sees them (its own pid namespace): 1 is docker's init.
        const script = 'for s in /proc/[0-9]*/status; do p=${s#/proc/}; p=${p%/status}; [ "$p" = 1 ] && continue; echo "$(awk \'/^Uid:/ {print $2}\' $s 2>/dev/null) $(cat /proc/$p/comm 2>/dev/null)"; done';
        const result = spawnSync('docker', ['exec', '--user', '0', member.instanceId!, 'sh', '-c', script], { encoding: 'utf8' });
        return parseProcesses(result.stdout).filter((p) => !/^(sh|awk|cat)$/.test(p.command)); // the listing's own
      },
    };
  }
  return {
    read(member, path) {
      // A volume's files are in its slot's folder; the rest in the member's root folder.
      const volume = volumes.find((v) => v.clusterId === member.clusterId && (path === v.mappingPath || path.startsWith(`${v.mappingPath}/`)));
      const file = volume ? join(home, 'volumes', volume.clusterId, `slot-${member.sid}`, volume.id, path.slice(volume.mappingPath.length)) : join(home, 'members', member.memberId, 'root', path);
      return existsSync(file) ? readFileSync(file, 'utf8') : null;
    },
    kill(member) {
      process.kill(-Number(member.instanceId), 'SIGKILL');
    },
    processes(member) {
      // Its process group, led by the instance (bubblewrap, where members are sandboxed).
      const found: { uid: number; command: string }[] = [];
      for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e) && e !== member.instanceId)) {
        try {
          const group = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[2];
          if (group !== member.instanceId) continue;
          const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
          found.push({ uid, command: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() });
        } catch {
          // gone meanwhile
        }
      }
      return found;
    },
  };
}

function parseProcesses(listing: string): { uid: number; command: string }[] {
  return listing
    .split('\n')
    .map((line) => /^(\d+) (.+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ uid: Number(m[1]), command: m[2] }));
}

/** The launch payload a local member was given: its agent's first environment (its sandbox's, as spawned). */
export function launchPayloadOf(instanceId: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${instanceId}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}
