import { pbkdf2Sync } from 'node:crypto';
import fc from 'fast-check';
import { aclBlock, memberFileUser, parseAclFile, parsePasswordFile, passwordLine, reloadTimeoutFor, identitiesPerReload } from './mosquitto-member-files';

const username = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);
const topic = fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9._-]{1,12}){0,4}$/);

describe('Mosquitto member files', () => {
  it('writes a password line as mosquitto_passwd does (PBKDF2-SHA512, 101 iterations, the salt and hash in base64)', () => {
    const salt = Buffer.alloc(12, 7);
    const line = passwordLine('stratos-member-x', 's3cret', salt);
    const [user, rest] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
    expect(user).toBe('stratos-member-x');
    const [, version, iterations, saltText, hash] = rest.split('$');
    expect([version, iterations, saltText]).toEqual(['7', '101', salt.toString('base64')]);
    expect(hash).toBe(pbkdf2Sync('s3cret', salt, 101, 64, 'sha512').toString('base64'));
    expect(line).not.toContain('s3cret');
  });

  it('reads back the users and ACL blocks it wrote, whatever they are, and nothing else', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(username, fc.array(topic, { maxLength: 4 }), fc.array(topic, { maxLength: 4 })), { selector: ([u]) => u, maxLength: 20 }), (users) => {
        const passwords = users.map(([u]) => passwordLine(u, 'p'));
        const parsedPasswords = parsePasswordFile(['# a comment', '', ...passwords].join('\n') + '\n');
        expect([...parsedPasswords.keys()]).toEqual(users.map(([u]) => u));
        expect([...parsedPasswords.values()]).toEqual(passwords);
        const blocks = users.map(([u, write, read]) => aclBlock(u, { write, read }));
        const parsedAcl = parseAclFile(['# header', 'topic read before/any/user', '', ...blocks.map((b) => b.join('\n'))].join('\n\n'));
        expect([...parsedAcl.entries()]).toEqual(users.map(([u], i) => [u, blocks[i]]));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('names each member instance with a user of safe characters of its own', () => {
    const first = memberFileUser({ memberId: 'web-1', clusterId: 'c:1' });
    expect(first).toMatch(/^stratos-member-[0-9a-f]{32}$/);
    expect(memberFileUser({ memberId: 'web-1', clusterId: 'c:1' })).toBe(first);
    expect(memberFileUser({ memberId: 'web-1', clusterId: 'c:1', incarnation: 'abcdef012345' })).not.toBe(first);
    expect(memberFileUser({ memberId: 'web-2', clusterId: 'c:1' })).not.toBe(first);
  });

  it("gives the broker's reload time in proportion to its users: 10 s for a few, 40 s for 10,000 (Mosquitto 2.0 takes ≈10 s then)", () => {
    expect(reloadTimeoutFor(0)).toBe(10_000);
    expect(reloadTimeoutFor(10_000)).toBe(40_000);
    fc.assert(fc.property(fc.nat(1_000_000), fc.nat(1_000), (users, more) => reloadTimeoutFor(users + more) >= reloadTimeoutFor(users) && reloadTimeoutFor(users) >= 10_000));
  });

  it('writes new users in batches of a quarter of those there, 200 to 1,000: fewer reloads as each costs more', () => {
    expect([0, 800, 2_000, 4_000, 10_000, 50_000].map(identitiesPerReload)).toEqual([200, 200, 500, 1_000, 1_000, 1_000]);
    fc.assert(fc.property(fc.nat(1_000_000), fc.nat(1_000), (users, more) => {
      const size = identitiesPerReload(users);
      return size >= 200 && size <= 1_000 && identitiesPerReload(users + more) >= size;
    }));
  });
});
