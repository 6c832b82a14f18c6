/**
 * A member's files and life as a test sees them, on either driver: a local member's root folder
 * and volume folders under STRATOS_HOME, or a container (docker exec, docker kill).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemberView } from '@stratos/contracts';

export type Driver = 'local' | 'docker';

export interface MemberFiles {
  /** A file's text as the member sees it at `path` (absolute), or null where there is none. */
  read(member: MemberView, path: string): string | null;
  /** Kills the member's whole instance at once (kill -9 of its process group; docker kill). */
  kill(member: MemberView): void;
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
  };
}
