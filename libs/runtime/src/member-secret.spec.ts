import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetPreviousMemberSecret, readMemberSecrets, readOrCreateMemberSecrets, rotateMemberSecret } from './member-secret';

describe('the member secret of a home', () => {
  let home = '';
  beforeEach(async () => (home = await mkdtemp(join(tmpdir(), 'stratos-secret-'))));
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('is made once (0600) and kept', async () => {
    expect(await readMemberSecrets(home)).toBeNull();
    const made = await readOrCreateMemberSecrets(home);
    expect(made.current).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await stat(join(home, 'member-secret'))).mode & 0o777).toBe(0o600);
    expect(await readOrCreateMemberSecrets(home)).toEqual(made);
  });

  it('rotates to a new one, keeping the replaced one as previous until it is forgotten; a second rotation meanwhile is refused and changes nothing', async () => {
    const { current: first } = await readOrCreateMemberSecrets(home);
    const rotated = await rotateMemberSecret(home);
    expect(rotated.previous).toBe(first);
    expect(rotated.current).not.toBe(first);
    expect(await readMemberSecrets(home)).toEqual(rotated);
    expect((await stat(join(home, 'member-secret.previous'))).mode & 0o777).toBe(0o600);
    await expect(rotateMemberSecret(home)).rejects.toThrow(/previous rotation .* is not finished/);
    expect(await readMemberSecrets(home)).toEqual(rotated);
    await forgetPreviousMemberSecret(home, 'not the previous one');
    expect(existsSync(join(home, 'member-secret.previous'))).toBe(true);
    await forgetPreviousMemberSecret(home, first);
    expect(await readMemberSecrets(home)).toEqual({ current: rotated.current });
    expect((await rotateMemberSecret(home)).previous).toBe(rotated.current);
  });

  it('reads a rotation cut short after the previous was written (previous = current) as none', async () => {
    const { current } = await readOrCreateMemberSecrets(home);
    await writeFile(join(home, 'member-secret.previous'), current);
    expect(await readMemberSecrets(home)).toEqual({ current });
    expect((await rotateMemberSecret(home)).previous).toBe(current);
    expect((await readFile(join(home, 'member-secret.previous'), 'utf8')).trim()).toBe(current);
  });

  it('refuses a home with no member secret, naming why', async () => {
    await expect(rotateMemberSecret(home)).rejects.toThrow(/has no member secret .* With MQTT_URL/);
  });
});
