/**
 * The member secret of a STRATOS_HOME: the embedded broker's key to every member's password
 * (an HMAC of the member's broker user name). Rotated in place while the platform runs or not:
 * the replaced secret is kept as member-secret.previous, which the broker still accepts until
 * every member has signed in with its new password (the platform sends it), then deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MEMBER_SECRET_FILE = 'member-secret';
export const PREVIOUS_MEMBER_SECRET_FILE = 'member-secret.previous';

export interface MemberSecrets {
  current: string;
  /** The one being rotated away from, while members still sign in with it. */
  previous?: string;
}

const newSecret = () => randomBytes(24).toString('base64url');

async function readSecret(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written beside, then renamed over: a reader sees the old file or the new one, never half of one. */
async function writeSecret(file: string, secret: string): Promise<void> {
  await writeFile(`${file}.new`, secret, { mode: 0o600 });
  await rename(`${file}.new`, file);
}

/** The home's secrets, or null where it has none (its platform uses an external broker, or never started). */
export async function readMemberSecrets(home: string): Promise<MemberSecrets | null> {
  const current = await readSecret(join(home, MEMBER_SECRET_FILE));
  if (!current) return null;
  const previous = await readSecret(join(home, PREVIOUS_MEMBER_SECRET_FILE));
  return previous && previous !== current ? { current, previous } : { current };
}

/** Kept across starts: members that outlive a restart still sign in with it. */
export async function readOrCreateMemberSecrets(home: string): Promise<MemberSecrets> {
  const secrets = await readMemberSecrets(home);
  if (secrets) return secrets;
  const current = newSecret();
  await writeSecret(join(home, MEMBER_SECRET_FILE), current);
  return { current };
}

/**
 * Replaces the home's member secret, keeping the replaced one as the previous. Refused while an
 * earlier rotation is not finished (its previous secret is still accepted): a member that has
 * not switched yet would lose its way in.
 */
export async function rotateMemberSecret(home: string): Promise<MemberSecrets> {
  const secrets = await readMemberSecrets(home);
  if (!secrets) throw new Error(`${home} has no member secret (no ${MEMBER_SECRET_FILE}): is it a STRATOS_HOME whose platform started with the embedded broker? With MQTT_URL (Mosquitto with dynamic security), members have passwords of their own there: stratos secrets rotate member-passwords`);
  if (secrets.previous) throw new Error(`the previous rotation of ${home}'s member secret is not finished: members still sign in with the secret before (${PREVIOUS_MEMBER_SECRET_FILE}); the platform retires it within a minute of its start, then rotate again`);
  // The previous first: were this cut short between the two, previous = current, which reads as no rotation.
  await writeSecret(join(home, PREVIOUS_MEMBER_SECRET_FILE), secrets.current);
  const current = newSecret();
  await writeSecret(join(home, MEMBER_SECRET_FILE), current);
  return { current, previous: secrets.current };
}

/** Forgets the previous secret, if it is still the one given (a newer rotation's is not touched). */
export async function forgetPreviousMemberSecret(home: string, previous: string): Promise<void> {
  const file = join(home, PREVIOUS_MEMBER_SECRET_FILE);
  if (existsSync(file) && (await readSecret(file)) === previous) await rm(file, { force: true });
}
