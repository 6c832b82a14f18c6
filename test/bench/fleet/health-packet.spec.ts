import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { healthPacket } from './health-packet';

function parse(bytes: Buffer): mqttPacket.IPublishPacket {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  parser.on('error', (error) => {
    throw error;
  });
  expect(parser.parse(bytes)).toBe(0); // nothing left over
  expect(packets).toHaveLength(1);
  return packets[0] as mqttPacket.IPublishPacket;
}

describe("the agents bench's health packets", () => {
  it('are the PUBLISH (QoS 0) an MQTT parser reads back, with any time written in its place', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }), // long ids: a remaining length of two bytes and more
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        (memberId, clusterId, loadAverage, first, later) => {
          const report = { memberId, clusterId, state: 'active' as const, loadAverage, memoryConsumption: 41.2, timestamp: first.toISOString() };
          const topic = `stratos/agents/${memberId}/health`;
          const { packet, timestampAt } = healthPacket(topic, report);
          const read = parse(packet);
          expect([read.cmd, read.qos, read.retain, read.topic]).toEqual(['publish', 0, false, topic]);
          expect(JSON.parse(read.payload.toString())).toEqual(report);
          const again = Buffer.from(packet);
          again.write(later.toISOString(), timestampAt, 'latin1');
          expect(JSON.parse(parse(again).payload.toString())).toEqual({ ...report, timestamp: later.toISOString() });
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
