import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { brokerTrust, ReplySubscription, withoutNagle } from '@stratos/runtime';
import mqtt, { type MqttClient } from 'mqtt';
import { AgentTopics, ClusterTopics, memberBrokerPassword, memberBrokerUser, MemberTopics, EMBEDDED_BROKER_AGENT_ENVELOPE, type MemberBrokerIdentity, type MemberCredentialsMessage } from '@stratos/contracts';
import { ControllerSettings } from '../controller-settings';
import { memberFileUser, MosquittoMemberFiles, type MemberAcl } from './mosquitto-member-files';

/** The controller's connection to the dynamic-security plugin, and its subscription to the plugin's answers. */
interface DynsecAdmin {
  client: MqttClient;
  responses: ReplySubscription;
}

export interface BrokerCredentials {
  /** The broker URL without credentials. */
  url: string;
  username: string;
  password: string;
}

const DYNSEC = '$CONTROL/dynamic-security/v1';
/** New members whose broker identities are made together (the rest of a larger scale-out at the next batch). */
const IDENTITIES_PER_BATCH = 200;
const roleOf = (memberId: string) => `stratos-member-${memberId}`;

/**
 * Each member's own broker credentials. On the embedded broker: an HMAC of the member id that
 * the broker checks itself. On Mosquitto with member files: a user per member instance in the
 * password and ACL files the broker reads (MosquittoMemberFiles). On Mosquitto with dynamic
 * security: a client and a role created for the member. Either way it may publish on its own
 * topics only, and its user goes with it. Otherwise members get no identity of their own, and
 * none is launched: never the platform's (or a shared) credential. STRATOS_AGENT_MQTT_URL only
 * says where members reach the broker.
 */
@Injectable()
export class MemberCredentials implements OnApplicationShutdown {
  private readonly logger = new Logger(MemberCredentials.name);
  private admin: Promise<DynsecAdmin> | null = null;
  private readonly pending = new Map<string, (error: string | null) => void>();
  private readonly files: MosquittoMemberFiles | null;

  constructor(private readonly settings: ControllerSettings) {
    const files = settings.memberSecret ? undefined : settings.mqttMemberFiles;
    this.files = files ? new MosquittoMemberFiles({ ...files, brokerUrl: bareUrl(settings.mqttUrl), brokerTrust: brokerTrust(settings.mqttCaCert) }) : null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.admin) await (await this.admin.catch(() => null))?.client.endAsync(true).catch(() => undefined);
  }

  /** Why members cannot get a broker identity of their own here (and how to fix it), or null when they can. */
  whyNoIdentity(): string | null {
    if (this.settings.memberSecret || this.settings.mqttDynsec || this.files) return null;
    return 'members would get no broker identity of their own on this broker, and the platform does not hand them its own credentials: use the embedded broker (npm start, members sign in with passwords derived from STRATOS_MEMBER_SECRET), or Mosquitto with its dynamic-security plugin and STRATOS_MQTT_DYNSEC=on, or Mosquitto reading member files (STRATOS_MQTT_MEMBER_FILES)';
  }

  /** The members the broker carries, where it is the embedded one (members sign in with passwords from the member secret); null: an external broker. */
  embeddedBrokerEnvelope(): number | null {
    return this.settings.memberSecret && !this.settings.mqttDynsec ? (this.settings.embeddedBrokerAgents ?? EMBEDDED_BROKER_AGENT_ENVELOPE) : null;
  }

  /** How many new members' identities to make together: 200, more on member files as they grow (identitiesPerReload). */
  identitiesPerBatch(): number {
    return this.files?.batchSize ?? IDENTITIES_PER_BATCH;
  }

  async issue(identity: MemberBrokerIdentity): Promise<BrokerCredentials> {
    const { memberId } = identity;
    const bare = bareUrl(this.settings.agentMqttUrl ?? this.settings.mqttUrl);
    if (this.settings.memberSecret) {
      return { url: bare, username: memberBrokerUser(identity), password: memberBrokerPassword(this.settings.memberSecret, identity) };
    }
    if (this.files) {
      const username = memberFileUser(identity);
      const password = randomBytes(18).toString('base64url');
      await this.files.put(username, password, memberAcl(identity));
      return { url: bare, username, password };
    }
    if (this.settings.mqttDynsec) {
      const acl = memberAcl(identity);
      const username = memberBrokerUser(identity);
      const password = randomBytes(18).toString('base64url');
      await this.command([
        {
          command: 'createRole',
          rolename: roleOf(memberId),
          acls: [
            ...acl.write.map((topic) => ({ acltype: 'publishClientSend', topic, allow: true, priority: 0 })),
            // Its trees, its replies, its new password while passwords are rotated, its start when launched on hold (a live migration's target).
            ...acl.read.map((topic) => ({ acltype: 'subscribeLiteral', topic, allow: true, priority: 0 })),
          ],
        },
        // A second instance (a live migration's target) shares the member's role, which may predate the control topic.
        ...(identity.incarnation ? [{ command: 'addRoleACL', rolename: roleOf(memberId), acltype: 'subscribeLiteral', topic: MemberTopics.control(memberId), allow: true, priority: 0 }] : []),
        { command: 'createClient', username, password, roles: [{ rolename: roleOf(memberId) }] },
      ]);
      return { url: bare, username, password };
    }
    throw new Error(this.whyNoIdentity()!);
  }

  /** Whether members' passwords are the broker's own, made per member (and so rotated one by one by the controller). */
  rotatesPasswordsItself(): boolean {
    return !this.settings.memberSecret && (this.files !== null || this.settings.mqttDynsec === true);
  }

  /**
   * Gives a member its new password through its agent, which keeps it for its next sign-in
   * (MemberCredentialsMessage, `when-signed-out`). Only that member may read the topic.
   */
  async send(memberId: string, message: MemberCredentialsMessage): Promise<void> {
    await (await this.adminClient()).client.publishAsync(MemberTopics.credentials(memberId), JSON.stringify(message), { qos: 1 });
  }

  /** Changes a member's password on the broker, which signs out its connection (without the Will): it signs in again with the new one, if it has it. */
  async changePassword(identity: MemberBrokerIdentity, password: string): Promise<void> {
    if (this.files) return this.files.put(memberFileUser(identity), password);
    await this.command([{ command: 'setClientPassword', username: memberBrokerUser(identity), password }]);
  }

  /**
   * One instance's broker identity, where each has its own (Mosquitto's dynamic security): the
   * member's role stays for its other instance (a live migration's source or target). Safe to repeat.
   */
  async revokeInstance(identity: MemberBrokerIdentity): Promise<void> {
    if (!this.rotatesPasswordsItself()) return;
    if (this.files) return this.files.remove(memberFileUser(identity)).catch((error: Error) => this.logger.warn(`member ${identity.memberId}: removing an instance's broker user: ${error.message}`));
    await this.command([{ command: 'deleteClient', username: memberBrokerUser(identity) }]).catch((error: Error) => this.logger.warn(`member ${identity.memberId}: removing an instance's broker client: ${error.message}`));
  }

  /** Safe to repeat: a client or role that is gone already is fine. */
  async revoke(identity: MemberBrokerIdentity): Promise<void> {
    // Where issue() made the member a client and a role (whatever URL members are given).
    if (!this.rotatesPasswordsItself()) return;
    if (this.files) return this.files.remove(memberFileUser(identity)).catch((error: Error) => this.logger.warn(`member ${identity.memberId}: removing its broker user: ${error.message}`));
    await this.command([
      { command: 'deleteClient', username: memberBrokerUser(identity) },
      { command: 'deleteRole', rolename: roleOf(identity.memberId) },
    ]).catch((error: Error) => this.logger.warn(`member ${identity.memberId}: removing its broker client: ${error.message}`));
  }

  /**
   * Sends dynamic-security commands and waits for their answer; an error other than "already so"
   * fails, and so does no answer within 5 s (the broker away): the caller tries again later.
   */
  private async command(commands: Record<string, unknown>[]): Promise<void> {
    const admin = await this.adminClient();
    const waits = commands.map((command) => {
      const correlationData = randomUUID();
      command.correlationData = correlationData;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(correlationData);
          reject(new Error(`no answer from the broker's dynamic security to ${String(command.command)}`));
        }, 5000);
        this.pending.set(correlationData, (error) => {
          clearTimeout(timer);
          this.pending.delete(correlationData);
          if (error && !/already exists|not found/i.test(error)) reject(new Error(`${String(command.command)}: ${error}`));
          else resolve();
        });
      });
    });
    // Sent only once the answers can be heard: mqtt.js, reconnecting, sends what it queued before it
    // subscribes again, and the broker's answer to it went nowhere. All awaited together, so that
    // the timeout rules even when the publish itself waits for a broker that is away.
    const sent = admin.responses.listening().then(() => admin.client.publishAsync(DYNSEC, JSON.stringify({ commands }), { qos: 1 }));
    await Promise.all([sent, ...waits]);
  }

  private adminClient(): Promise<DynsecAdmin> {
    this.admin ??= (async () => {
      const client = withoutNagle(
        await mqtt.connectAsync(this.settings.mqttUrl, {
          ...brokerTrust(this.settings.mqttCaCert),
          clientId: `stratos-cc-dynsec-${process.pid}-${randomBytes(3).toString('hex')}`,
          reconnectPeriod: 1000,
          resubscribe: false, // subscribed again by ReplySubscription, before anything is sent
        }),
      );
      client.on('message', (_topic, payload) => {
        try {
          for (const response of (JSON.parse(payload.toString()) as { responses: { correlationData?: string; error?: string }[] }).responses ?? []) {
            if (response.correlationData) this.pending.get(response.correlationData)?.(response.error ?? null);
          }
        } catch {
          // not ours
        }
      });
      const admin = { client, responses: new ReplySubscription(client, [`${DYNSEC}/response`]) };
      await admin.responses.listening();
      return admin;
    })().catch((error: unknown) => {
      this.admin = null; // a broker that was away at the first try is tried again at the next, not never
      throw error;
    });
    return this.admin;
  }
}

function bareUrl(value: string): string {
  const url = new URL(value);
  url.username = '';
  url.password = '';
  return url.toString();
}

/** What a member's broker user may do (its dynamic-security role, its block in the member files): publish on its own topics, read its own and its cluster's. */
function memberAcl({ memberId, clusterId }: MemberBrokerIdentity): MemberAcl {
  return {
    write: AgentTopics.ownedBy(memberId),
    read: [MemberTopics.metadata(memberId), ClusterTopics.metadata(clusterId), MemberTopics.replies(memberId), MemberTopics.credentials(memberId), MemberTopics.control(memberId)],
  };
}
