import { MemberStatus } from '@stratos/contracts';
import { MemberCountsCache } from './member-counts-cache';

const counts = (count: number) => [{ clusterId: 'c', status: MemberStatus.Active, count }];

describe('MemberCountsCache', () => {
  let clock: number;
  let listening: boolean;
  let cache: MemberCountsCache;
  beforeEach(() => {
    clock = 1_000;
    listening = true;
    cache = new MemberCountsCache(30_000, () => listening, () => clock);
  });

  it('answers a stored reading until a change, then asks for a new one', () => {
    const first = cache.lookup('app');
    expect(first).toEqual({ ticket: expect.any(Number) });
    cache.store('app', counts(3), (first as { ticket: number }).ticket);
    expect(cache.lookup('app')).toEqual({ counts: counts(3) });
    expect(cache.lookup('other')).toEqual({ ticket: expect.any(Number) });
    cache.changed();
    expect(cache.lookup('app')).toEqual({ ticket: expect.any(Number) });
  });

  it('drops a reading begun before a change (it may not hold the change)', () => {
    const { ticket } = cache.lookup('app') as { ticket: number };
    cache.changed();
    cache.store('app', counts(3), ticket);
    expect(cache.lookup('app')).toEqual({ ticket: expect.any(Number) });
    const again = cache.lookup('app') as { ticket: number };
    cache.store('app', counts(4), again.ticket);
    expect(cache.lookup('app')).toEqual({ counts: counts(4) });
  });

  it('reads again once a reading is older than its maximum age, changes or not', () => {
    cache.store('app', counts(3), (cache.lookup('app') as { ticket: number }).ticket);
    clock += 29_999;
    expect(cache.lookup('app')).toEqual({ counts: counts(3) });
    clock += 1;
    expect(cache.lookup('app')).toEqual({ ticket: expect.any(Number) });
  });

  it('keeps nothing while changes would not be heard of (its owner not listening)', () => {
    const { ticket } = cache.lookup('app') as { ticket: number };
    listening = false;
    cache.store('app', counts(3), ticket);
    listening = true;
    expect(cache.lookup('app')).toEqual({ ticket: expect.any(Number) });
    cache.store('app', counts(3), (cache.lookup('app') as { ticket: number }).ticket);
    listening = false;
    expect(cache.lookup('app')).toEqual({ ticket: expect.any(Number) });
  });
});
