import fc from 'fast-check';
import { parseMemberUser } from './member-user';

describe('STRATOS_MEMBER_USER', () => {
  it('reads UID:GID, absent is none, root and anything else are refused', () => {
    expect(parseMemberUser('10001:10001')).toEqual({ uid: 10001, gid: 10001 });
    expect(parseMemberUser(undefined)).toBeNull();
    expect(parseMemberUser('')).toBeNull();
    expect(() => parseMemberUser('0:0')).toThrow(/unprivileged/);
    expect(() => parseMemberUser('postgres')).toThrow(/UID:GID/);
  });

  it('property: any string is a user with a non-zero uid, none, or one clear error — never a throw of another kind', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.nat(), fc.nat()).map(([u, g]) => `${u}:${g}`)), (raw) => {
        try {
          const user = parseMemberUser(raw);
          if (user) expect(user.uid).toBeGreaterThan(0);
          else expect(raw).toBe('');
        } catch (error) {
          expect((error as Error).message).toMatch(/^STRATOS_MEMBER_USER must/);
        }
      }),
      { seed: 3, numRuns: 1000 },
    );
  });
});
