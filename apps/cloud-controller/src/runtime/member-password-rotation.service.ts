import { Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DomainError,
  MEMBER_PASSWORD_ACK_MS,
  MEMBER_PASSWORD_STARTING_WAIT_MS,
  MemberStatus,
  type MemberPasswordRotationView,
} from '@stratos/contracts';
import { Database, type MemberEntity } from '@stratos/persistence';
import { MemberCredentials } from './member-credentials.service';
import { MemberLifecycle } from './member-lifecycle.service';

/** Members whose agent is signed in (or will be soon) and so can take a new password. */
const SIGNED_IN: MemberStatus[] = [MemberStatus.Starting, MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];
const NOT_YET: MemberStatus[] = [MemberStatus.Created, MemberStatus.Initialized];
/** Members switched at once: each costs the broker a rewrite of its dynamic-security file. */
const IN_FLIGHT = 8;
const RETRY_STARTING_MS = 1000;
/** What the rotation waits to hear from a member's agent: that it holds its new password, then that it signed in again with it. */
type AgentAnswer = 'holds' | 'signed-in';

/**
 * Replaces every running member's own broker password on an external broker with dynamic security
 * (Mosquitto), member by member: the agent is sent its new password and says it holds it; then the
 * broker's password is changed, which signs the member out, and it signs in again with the new
 * one. A member that does not answer in time is cut off (the broker is changed anyway: an old
 * password must stop working) and replaced after its grace like any silent member. Members still
 * starting are waited for. One rotation at a time; its progress is kept in memory (a controller
 * that restarts mid-way leaves the rest on their old passwords: rotate again).
 */
@Injectable()
export class MemberPasswordRotation {
  private readonly logger = new Logger(MemberPasswordRotation.name);
  private view: MemberPasswordRotationView | null = null;
  private readonly waiting = new Map<string, { rotationId: string; what: AgentAnswer; resolve(said: boolean): void }>();

  constructor(
    private readonly database: Database,
    private readonly credentials: MemberCredentials,
    private readonly lifecycle: MemberLifecycle,
  ) {}

  /** The last rotation (running or finished) since this controller started. */
  current(): MemberPasswordRotationView {
    if (!this.view) throw DomainError.notFound('no member password rotation has run since the cloud controller started');
    return { ...this.view };
  }

  async start(): Promise<MemberPasswordRotationView> {
    if (!this.credentials.rotatesPasswordsItself()) {
      throw DomainError.conflict(
        "members' broker passwords here are derived from the embedded broker's member secret, not kept by the broker one by one: rotate them all with `stratos secrets rotate member-secret` on the platform's host",
      );
    }
    if (this.view?.state === 'Running') throw DomainError.conflict(`member password rotation ${this.view.rotationId} is still running (${this.progress(this.view)}): wait for it, then rotate again`);
    const members = (await this.database.runtime.members()).filter((m) => SIGNED_IN.includes(m.status) || NOT_YET.includes(m.status));
    const view: MemberPasswordRotationView = { rotationId: randomUUID(), state: 'Running', startedAt: new Date().toISOString(), members: members.length, switched: 0, cutOff: 0, notRotated: 0, gone: 0 };
    this.view = view;
    this.logger.log(`member password rotation ${view.rotationId}: ${members.length} member(s)`);
    void this.run(view, members.map((m) => m.memberId)).catch((error: Error) => this.logger.error(`member password rotation ${view.rotationId} stopped: ${error.message}`));
    return { ...view };
  }

  /** An agent says it holds the password of `rotationId` (AgentEventType.CredentialsReceived). */
  received(memberId: string, rotationId: string | undefined): void {
    this.answer(memberId, rotationId, 'holds');
  }

  /** An agent signed in again with the password of `rotationId` (a MemberNotice naming it). */
  signedIn(memberId: string, rotationId: string): void {
    this.answer(memberId, rotationId, 'signed-in');
  }

  private answer(memberId: string, rotationId: string | undefined, what: AgentAnswer): void {
    const waiter = this.waiting.get(memberId);
    if (waiter && waiter.rotationId === rotationId && waiter.what === what) waiter.resolve(true);
  }

  /** Whether the member's agent says `what` within `ms`; `before` is done once it listens. */
  private async agentSays(memberId: string, rotationId: string, what: AgentAnswer, ms: number, before: () => Promise<void>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const said = new Promise<boolean>((resolve) => {
      this.waiting.set(memberId, { rotationId, what, resolve });
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      await before();
      return await said;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(memberId);
    }
  }

  private async run(view: MemberPasswordRotationView, memberIds: string[]): Promise<void> {
    const deadline = Date.now() + MEMBER_PASSWORD_STARTING_WAIT_MS;
    let queue = memberIds;
    try {
      while (queue.length > 0) {
        const later: string[] = [];
        const next = [...queue];
        const worker = async () => {
          for (let memberId = next.shift(); memberId !== undefined; memberId = next.shift()) {
            const member = await this.database.runtime.findMember(memberId);
            if (!member || !(SIGNED_IN.includes(member.status) || NOT_YET.includes(member.status))) view.gone++;
            else if (NOT_YET.includes(member.status)) later.push(memberId);
            else await this.rotate(view, member);
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
        if (later.length > 0 && Date.now() >= deadline) {
          view.notRotated += later.length;
          break;
        }
        if (later.length > 0) await new Promise((r) => setTimeout(r, RETRY_STARTING_MS));
        queue = later;
      }
    } finally {
      view.state = 'Finished';
      view.finishedAt = new Date().toISOString();
      this.logger.log(`member password rotation ${view.rotationId} finished: ${this.progress(view)}`);
    }
  }

  private async rotate(view: MemberPasswordRotationView, member: MemberEntity): Promise<void> {
    const password = randomBytes(18).toString('base64url');
    const { rotationId } = view;
    const holds = await this.agentSays(member.memberId, rotationId, 'holds', MEMBER_PASSWORD_ACK_MS, () =>
      this.credentials.send(member.memberId, { password, switch: 'when-signed-out', rotationId }),
    );
    // Changed whether it holds it or not: an old password must stop working. The broker signs the member out.
    const back = await this.agentSays(member.memberId, rotationId, 'signed-in', holds ? MEMBER_PASSWORD_ACK_MS : 0, () => this.credentials.changePassword(member, password));
    if (holds && back) {
      view.switched++;
      return;
    }
    view.cutOff++;
    const why = holds ? `did not sign in again with its new broker password within ${MEMBER_PASSWORD_ACK_MS / 1000} s` : `did not say within ${MEMBER_PASSWORD_ACK_MS / 1000} s that it holds its new broker password`;
    await this.lifecycle.notice(member, { level: 'warning', message: `its agent ${why} (rotation ${rotationId}): the old one no longer works, so it is replaced once it has been silent for its grace` });
  }

  private progress(view: MemberPasswordRotationView): string {
    return `${view.switched} switched, ${view.cutOff} cut off, ${view.notRotated} not rotated (never signed in), ${view.gone} gone, of ${view.members}`;
  }
}
