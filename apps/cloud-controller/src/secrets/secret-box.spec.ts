import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = SecretBox.withKey(randomBytes(32));

  it('property: opens what it sealed, and a sealed value never shows the secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (secret) => {
        const sealed = box.seal(secret);
        expect(SecretBox.isSealed(sealed)).toBe(true);
        expect(box.open(sealed)).toBe(secret);
        if (secret.length > 3) expect(sealed).not.toContain(secret);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('seals the same secret differently each time', () => {
    expect(box.seal('s3cret')).not.toBe(box.seal('s3cret'));
  });

  it('refuses a tampered value, a truncated one, or another key', () => {
    const sealed = box.seal('s3cret');
    const raw = Buffer.from(sealed.slice('sealed:v1:'.length), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`sealed:v1:${raw.toString('base64')}`)).toThrow(/does not open/);
    expect(() => box.open('sealed:v1:AAAA')).toThrow(/truncated/);
    expect(() => SecretBox.withKey(randomBytes(32)).open(sealed)).toThrow(/does not open/);
  });

  it("keeps its key in the platform's home, 0600, and reads the same key again", () => {
    const home = mkdtempSync(join(tmpdir(), 'box-'));
    const sealed = SecretBox.forHome(home).seal('kept');
    expect(statSync(join(home, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'secret.key'), 'utf8')).not.toContain('kept');
    expect(SecretBox.forHome(home).open(sealed)).toBe('kept');
  });
});
