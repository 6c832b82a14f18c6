import fc from 'fast-check';
import type { HealthReport } from '@stratos/contracts';
import { HealthRelay, RELAY_LIMIT, relayOf } from './health-relay';

const report = (memberId: string, loadAverage = 1): HealthReport => ({ memberId, clusterId: 'app.web', state: 'active', loadAverage, memoryConsumption: 10, timestamp: '2026-12-04T00:00:00.000Z' });

describe('HealthRelay', () => {
  it('relays nothing when nothing was heard', () => {
    expect(new HealthRelay().take()).toBeNull();
  });

  it('relays each agent heard once, the latest report of each member, and messages as they came; then starts afresh', () => {
    const relay = new HealthRelay();
    relay.spoke('m-1');
    relay.spoke('m-2');
    relay.spoke('m-1');
    relay.report(report('m-1', 1), 'app');
    relay.report(report('m-1', 7), 'app');
    relay.message('stratos/agents/m-3/health', Buffer.from('{"memberId":"m-3"}'));
    expect(relay.take()).toEqual({
      heard: ['m-1', 'm-2'],
      health: [{ report: report('m-1', 7), applicationId: 'app' }],
      relayed: [{ topic: 'stratos/agents/m-3/health', payload: '{"memberId":"m-3"}' }],
    });
    expect(relay.take()).toBeNull();
    relay.spoke('m-2');
    expect(relay.take()).toEqual({ heard: ['m-2'] });
  });

  it('holds at most the input limit of agents (a relay the leader would refuse is never sent)', () => {
    const relay = new HealthRelay();
    for (let i = 0; i < RELAY_LIMIT + 10; i++) relay.spoke(`m-${i}`);
    expect(relay.take()!.heard).toHaveLength(RELAY_LIMIT);
  });
});

describe('relayOf', () => {
  it('takes well-formed entries and drops the rest', () => {
    const taken = relayOf({
      heard: ['m-1', '', 42 as unknown as string, 'm-2'],
      health: [{ report: report('m-1'), applicationId: 'app' }, { report: { memberId: 'm-2' } as HealthReport, applicationId: 'app' }, null as never],
      relayed: [{ topic: 'stratos/agents/m-1/events', payload: '{}' }, { topic: 7, payload: '{}' } as never],
    });
    expect(taken).toEqual({ heard: ['m-1', 'm-2'], health: [{ report: report('m-1'), applicationId: 'app' }], relayed: [{ topic: 'stratos/agents/m-1/events', payload: '{}' }] });
  });

  it('never throws, and takes nothing that is not what it names, whatever comes (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const taken = relayOf(input as never);
        expect(taken.heard.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
        expect(taken.health.every((h) => typeof h.report.loadAverage === 'number' && typeof h.applicationId === 'string')).toBe(true);
        expect(taken.relayed.every((r) => typeof r.topic === 'string' && typeof r.payload === 'string')).toBe(true);
      }),
      { seed: 20261204, numRuns: 500 },
    );
    expect(relayOf(null)).toEqual({ heard: [], health: [], relayed: [] });
  });
});
