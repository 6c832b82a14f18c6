import type { HealthReport } from '@stratos/contracts';

/** An encoded PUBLISH and where its payload's timestamp sits (24 bytes: `new Date().toISOString()`). */
export interface HealthPacket {
  packet: Buffer;
  timestampAt: number;
}

/** A health report as a QoS 0 PUBLISH packet whose payload ends in its timestamp: a fixed-length ISO time, the only part that changes. */
export function healthPacket(topic: string, report: HealthReport): HealthPacket {
  const topicBytes = Buffer.from(topic);
  const payload = Buffer.from(JSON.stringify(report));
  const remaining = 2 + topicBytes.length + payload.length;
  const length: number[] = [];
  for (let rest = remaining; ; ) {
    const byte = rest % 128;
    rest = Math.floor(rest / 128);
    length.push(rest > 0 ? byte | 128 : byte);
    if (rest === 0) break;
  }
  const packet = Buffer.concat([Buffer.from([0x30, ...length]), Buffer.from([topicBytes.length >> 8, topicBytes.length & 255]), topicBytes, payload]);
  return { packet, timestampAt: packet.length - payload.length + payload.lastIndexOf(`"${report.timestamp}"`) + 1 };
}
