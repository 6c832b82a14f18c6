import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretKey } from '../config';
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

  it("takes STRATOS_SECRET_KEY over the home's file, so that controllers on other hosts open each other's secrets", () => {
    const home = mkdtempSync(join(tmpdir(), 'box-'));
    const fromHome = SecretBox.forHome(home);
    const key = readSecretKey({ STRATOS_SECRET_KEY: readFileSync(join(home, 'secret.key'), 'utf8') })!;
    const elsewhere = SecretBox.forController({ secretKey: key, home: mkdtempSync(join(tmpdir(), 'box-other-')) });
    expect(elsewhere.open(fromHome.seal('shared'))).toBe('shared');
    expect(elsewhere.check()).toBe(fromHome.check());
    expect(SecretBox.withKey(randomBytes(32)).check()).not.toBe(fromHome.check());
    expect(fromHome.check()).not.toContain(key.toString('base64').slice(0, 8));
  });

  it('property: STRATOS_SECRET_KEY is 32 bytes of base64 or a ConfigError naming it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), fc.string()), (value) => {
        let key: Buffer | undefined;
        try {
          key = readSecretKey({ STRATOS_SECRET_KEY: value });
        } catch (error) {
          expect((error as Error).message).toMatch(/^STRATOS_SECRET_KEY: must be 32 bytes in base64/);
          return;
        }
        if (value.trim() === '') expect(key).toBeUndefined();
        else expect(key?.toString('base64')).toBe(value.trim());
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
