/**
 * The cartridge's bundle, fetched from the controller over the member's own broker identity,
 * checked against the sha256 its launch payload names, and unpacked into the member: what the
 * bundle holds (confd/, provision/, extensions/) is used from there.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { bundleSha256, readBundle } from '@stratos/contracts';
import { askController } from './controller-requests';

/** Where a member's bundle is unpacked, under its root. */
export const BUNDLE_PATH = 'var/lib/stratos/bundle';

export async function fetchBundle(options: { client: MqttClient; memberId: string; sha256: string; root: string; timeoutMs: number }): Promise<string> {
  const answer = await askController(options.client, options.memberId, { kind: 'bundle' }, options.timeoutMs);
  if (!answer.ok) throw new Error(answer.error);
  if (!('archive' in answer)) throw new Error('the controller answered with something else than a bundle');
  const archive = Buffer.from(answer.archive, 'base64');
  const sha256 = bundleSha256(archive);
  if (sha256 !== options.sha256) throw new Error(`the bundle received has sha256 ${sha256.slice(0, 12)}…, not the ${options.sha256.slice(0, 12)}… the launch payload names`);
  const dir = join(options.root, BUNDLE_PATH);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Paths were checked by readBundle: relative, no "..", regular files and folders only.
  for (const entry of readBundle(archive)) {
    const target = join(dir, entry.path);
    if (entry.kind === 'dir') {
      mkdirSync(target, { recursive: true, mode: entry.mode });
      continue;
    }
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, entry.content!, { mode: entry.mode });
    chmodSync(target, entry.mode);
  }
  return dir;
}
