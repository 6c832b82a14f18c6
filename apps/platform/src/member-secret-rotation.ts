/**
 * The member secret's rotation, done by the launcher that runs the embedded broker: at its start
 * when the home keeps a previous secret, and whenever `stratos secrets rotate member-secret`
 * replaces the home's file while it runs (watched). The broker sends each member on the previous
 * secret its new password, and the member signs in again with it; the controller makes new
 * members' passwords from the new secret at once. The previous secret is retired once the silence
 * grace has passed (a member not back by then is Lost and replaced anyway) and no member is
 * signed in with it, or at the latest a minute later (those that did not switch are cut off, and
 * replaced after their grace like any member that stops answering).
 */
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { forgetPreviousMemberSecret, MEMBER_SECRET_FILE, readMemberSecrets, type EmbeddedBrokerHandle, type MemberSecrets } from '@stratos/runtime';

/** After the grace, how long members still on the previous secret have to switch before they are cut off. */
export const STRAGGLERS_MS = 60_000;
const CHECK_MS = 1000;

export interface MemberSecretRotationOptions {
  home: string;
  broker: Pick<EmbeddedBrokerHandle, 'rotateMemberSecret' | 'memberSecretRotation' | 'retirePreviousMemberSecret'>;
  /** How long a member may be silent before it is Lost (the controller's silence grace). */
  graceMs: number;
  say(line: string): void;
  /** The controller (and a restarted one) makes new members' passwords from this one. */
  useSecret(secret: string): void;
}

export class MemberSecretRotation {
  private current: string;
  private timer: NodeJS.Timeout | null = null;
  private readonly file: string;

  constructor(private readonly options: MemberSecretRotationOptions, secrets: MemberSecrets) {
    this.current = secrets.current;
    this.file = join(options.home, MEMBER_SECRET_FILE);
    if (secrets.previous) this.begin(secrets.previous, 'at this start');
    watchFile(this.file, { interval: CHECK_MS }, () => void this.reread());
  }

  stop(): void {
    unwatchFile(this.file);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async reread(): Promise<void> {
    const secrets = await readMemberSecrets(this.options.home).catch(() => null);
    if (!secrets || secrets.current === this.current) return;
    this.current = secrets.current;
    this.options.useSecret(secrets.current);
    // The file's previous is the secret members signed in with (the one this launcher had).
    const previous = secrets.previous ?? '';
    this.options.broker.rotateMemberSecret({ current: secrets.current, previous });
    this.begin(previous, 'now');
  }

  private begin(previous: string, when: string): void {
    const { say, graceMs, broker, home } = this.options;
    say(`member secret: rotating ${when}; members signed in with the previous one are sent their new password, and it is accepted until they all switched (${Math.round(graceMs / 1000)} s at least)`);
    if (this.timer) clearInterval(this.timer);
    const started = Date.now();
    this.timer = setInterval(() => {
      const elapsed = Date.now() - started;
      const { onPreviousSecret, newPasswordsSent } = broker.memberSecretRotation();
      if (elapsed < graceMs || (onPreviousSecret > 0 && elapsed < graceMs + STRAGGLERS_MS)) return;
      clearInterval(this.timer!);
      this.timer = null;
      const cutOff = broker.retirePreviousMemberSecret();
      void forgetPreviousMemberSecret(home, previous).then(
        () => say(`member secret: the previous one is retired (${newPasswordsSent} new password(s) sent${cutOff ? `; ${cutOff} member(s) that did not switch are cut off, and replaced after their grace` : ''})`),
        (error: Error) => say(`stratos: the previous member secret is retired, but its file stays: ${error.message}`),
      );
    }, CHECK_MS);
    this.timer.unref();
  }
}
