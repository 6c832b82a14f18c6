/**
 * The cartridge's bundle, fetched from the controller over the member's own broker identity,
 * checked against the sha256 its launch payload names, and unpacked into the member: what the
 * bundle holds (confd/, provision/, extensions/) is used from there.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { AgentTopics, bundleSha256, MemberTopics, readBundle, type AgentReply, type AgentRequest } from '@stratos/contracts';

/** Where a member's bundle is unpacked, under its root. */
export const BUNDLE_PATH = 'var/lib/stratos/bundle';

export async function fetchBundle(options: { client: MqttClient; memberId: string; sha256: string; root: string; timeoutMs: number }): Promise<string> {
  const { client, memberId } = options;
  const requestId = randomUUID();
  const replies = MemberTopics.replies(memberId);
  const reply = new Promise<AgentReply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the controller within ${options.timeoutMs} ms`)), options.timeoutMs);
    const onMessage = (topic: string, body: Buffer) => {
      if (topic !== replies) return;
      try {
        const message = JSON.parse(body.toString()) as AgentReply;
        if (message.requestId !== requestId) return;
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(message);
      } catch {
        // not an answer
      }
    };
    client.on('message', onMessage);
  });
  await client.subscribeAsync(replies, { qos: 1 });
  const request: AgentRequest = { requestId, memberId, kind: 'bundle' };
  await client.publishAsync(AgentTopics.requests(memberId), JSON.stringify(request), { qos: 1 });
  const answer = await reply;
  await client.unsubscribeAsync(replies).catch(() => undefined);
  if (!answer.ok) throw new Error(answer.error);
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
