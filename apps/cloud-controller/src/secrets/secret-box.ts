/**
 * Secrets at rest: a definition's fields that its schema marks `secret` (a repository's
 * password, a git hook's secret) are stored sealed with AES-256-GCM under a key that lives in
 * STRATOS_HOME (`secret.key`, 0600, made on first use), never in the database beside them. A
 * sealed value reads `sealed:v1:<base64 of iv | tag | ciphertext>`; opening checks the tag.
 * Controllers on other hosts are given the same key (STRATOS_SECRET_KEY, or its _FILE form); the
 * database keeps only its check value, so that a controller with another key refuses to start.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The box of a platform home: its key file, made (0600) if there is none. */
  static forHome(home: string): SecretBox {
    const path = join(home, 'secret.key');
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      try {
        writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
      }
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 256-bit key (base64); restore it from a backup, or remove it only if no sealed secret is stored`);
    return new SecretBox(key);
  }

  static withKey(key: Buffer): SecretBox {
    return new SecretBox(key);
  }

  /** The box of a controller: the key its settings give (STRATOS_SECRET_KEY), else its home's. */
  static forController(settings: { secretKey?: Buffer; home: string }): SecretBox {
    return settings.secretKey ? SecretBox.withKey(settings.secretKey) : SecretBox.forHome(settings.home);
  }

  /** A value that tells keys apart and says nothing of the key (an HMAC of a constant under it). */
  check(): string {
    return createHmac('sha256', this.key).update('stratos secret-key check v1').digest('hex').slice(0, 32);
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plain text of a sealed value (a value that is not sealed is returned as it is). */
  open(value: string): string {
    if (!SecretBox.isSealed(value)) return value;
    const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('a sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('a sealed secret does not open with this platform\'s key (STRATOS_HOME/secret.key was replaced?)');
    }
  }
}
