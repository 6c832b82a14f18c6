/**
 * The agent's requests to the controller (its cartridge's bundle, a tenant's repository), over
 * its own broker identity: published on its requests topic, answered on its own replies topic,
 * matched by request id.
 */
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { AgentTopics, MemberTopics, type AgentReply, type AgentRequest } from '@stratos/contracts';

export async function askController(client: MqttClient, memberId: string, request: Omit<AgentRequest, 'requestId' | 'memberId'>, timeoutMs: number): Promise<AgentReply> {
  const requestId = randomUUID();
  const replies = MemberTopics.replies(memberId);
  let onMessage: (topic: string, body: Buffer) => void = () => undefined;
  const reply = new Promise<AgentReply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the controller within ${timeoutMs} ms`)), timeoutMs);
    onMessage = (topic: string, body: Buffer) => {
      if (topic !== replies) return;
      try {
        const message = JSON.parse(body.toString()) as AgentReply;
        if (message.requestId !== requestId) return;
        clearTimeout(timer);
        resolve(message);
      } catch {
        // not an answer
      }
    };
    client.on('message', onMessage);
  });
  try {
    await client.subscribeAsync(replies, { qos: 1 });
    const message: AgentRequest = { ...request, requestId, memberId };
    await client.publishAsync(AgentTopics.requests(memberId), JSON.stringify(message), { qos: 1 });
    return await reply;
  } finally {
    client.off('message', onMessage);
  }
}
