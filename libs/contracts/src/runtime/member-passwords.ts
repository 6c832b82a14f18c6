/**
 * Rotating members' own broker passwords on an external broker with dynamic security (Mosquitto):
 * the controller gives each running member a new password, through the agent, and changes it on
 * the broker once the agent holds it. (On the embedded broker, members' passwords derive from the
 * member secret: `stratos secrets rotate member-secret` rotates them all at once.)
 */

/** Members still starting when a rotation begins are waited for this long before they are counted as not rotated. */
export const MEMBER_PASSWORD_STARTING_WAIT_MS = 60_000;
/** How long an agent has to say it holds its new password before the broker is told anyway (the member is cut off then). */
export const MEMBER_PASSWORD_ACK_MS = 10_000;

export interface MemberPasswordRotationView {
  rotationId: string;
  state: 'Running' | 'Finished';
  startedAt: string;
  finishedAt?: string;
  /** Members whose password this rotation replaces: those with a broker identity when it began. */
  members: number;
  /** Their agent holds the new password and the broker was changed: signed out, then in again with it. */
  switched: number;
  /** Their agent did not say it held the new password in time; the broker was changed anyway: cut off, and replaced after their grace like any silent member. */
  cutOff: number;
  /** Still starting after the wait (their agent never signed in): their password, made before the rotation, stays until they are replaced. */
  notRotated: number;
  /** Terminated while the rotation ran. */
  gone: number;
}
