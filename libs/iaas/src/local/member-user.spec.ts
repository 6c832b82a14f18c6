import fc from 'fast-check';
import { LOCAL_MEMBER_UID_BASE, LOCAL_MEMBER_USER_NAME, memberAccounts, memberUidOf } from './member-user';

describe('a local member user', () => {
  it('has a uid of its own per loopback address, above every range Debian gives out', () => {
    expect(memberUidOf('127.42.0.1')).toBe(LOCAL_MEMBER_UID_BASE + 42 * 65536 + 1);
    expect(memberUidOf('127.42.1.0')).toBe(LOCAL_MEMBER_UID_BASE + 42 * 65536 + 256);
    expect(() => memberUidOf('10.0.0.1')).toThrow(/loopback/);
    expect(() => memberUidOf('127.256.0.1')).toThrow(/loopback/);
  });

  it('property: two addresses, two uids, all below 2^32 − 1', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet), fc.tuple(octet, octet, octet), (a, b) => {
        const [ua, ub] = [memberUidOf(`127.${a.join('.')}`), memberUidOf(`127.${b.join('.')}`)];
        expect(ua === ub).toBe(a.join() === b.join());
        expect(ua).toBeLessThan(0xffffffff);
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it("is in its own passwd and group, once, beside the host's entries", () => {
    const { passwd, group } = memberAccounts(2_000_001);
    expect(passwd).toMatch(/^root:x:0:0:/m);
    expect(passwd.split('\n').filter((l) => l.startsWith(`${LOCAL_MEMBER_USER_NAME}:`))).toEqual([`${LOCAL_MEMBER_USER_NAME}:x:2000001:2000001:stratos member:/home/${LOCAL_MEMBER_USER_NAME}:/bin/sh`]);
    expect(group.split('\n').filter((l) => l.startsWith(`${LOCAL_MEMBER_USER_NAME}:`))).toEqual([`${LOCAL_MEMBER_USER_NAME}:x:2000001:`]);
  });
});
