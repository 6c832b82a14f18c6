import { hostname } from 'node:os';
import { join } from 'node:path';
import { Logger, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, CONTROLLERS_SHARE_GROUP, EnvVar, safeUrl, sharedRequestTopics, Topics } from '@stratos/contracts';
import { hostIdOf, platformIdOf, recordPlatformId } from '@stratos/iaas';
import mqtt, { type MqttClient } from 'mqtt';
import { acquireHostLock, CONTROLLER_SEAT_LOCK, Database, Leadership, type HeldHostLock } from '@stratos/persistence';
import { createRootLogger, ProcessLogger, type LogOptions, brokerTrust, withoutNagle } from '@stratos/runtime';
import { CloudControllerModule } from './app.module';
import { brokerSharing } from './broker-sharing';
import type { ControllerConfig } from './config';
import { ControllerSettings } from './controller-settings';
import { SecretBox } from './secrets/secret-box';
import { RequestServerMqtt, type RequestSubscriptions } from './rpc-server';

export interface RunningController {
  app: INestMicroservice;
  database: Database;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a controller asks for its host's seat before it is refused (see takeHostSeat). */
const HOST_SEAT_WAIT_MS = 5000;

/**
 * Waits to lead the platform's controllers (another one may: this one stands by until it goes),
 * retrying while the database does not answer.
 */
async function lead(url: string, controllerId: string, logger: Logger, signal: AbortSignal, onStandby: () => void): Promise<Leadership> {
  for (;;) {
    try {
      return await Leadership.acquire({
        url,
        controllerId,
        signal,
        onStandby: (current) => {
          logger.log(`standing by: controller ${current.leader ?? '(unnamed)'} leads (term ${current.term}${current.since ? `, since ${current.since.toISOString()}` : ''}); this one leads when it goes`);
          onStandby();
        },
      });
    } catch (error) {
      if (signal.aborted) throw error;
      logger.warn(`standing by, the database does not answer (${(error as Error).message}); asking again`);
      await sleep(1000);
    }
  }
}

/**
 * The platform's id is the database's (controllers on other hosts share it): the first controller
 * gives it its STRATOS_HOME's; every controller's STRATOS_HOME/platform-id then says the same
 * (the drivers and host-side tools read it there).
 */
async function adoptPlatformId(database: Database, home: string, logger: Logger): Promise<string> {
  const local = await platformIdOf(home);
  const id = await database.platform.adoptId(local);
  if (id !== local) {
    await recordPlatformId(home, id);
    logger.log(`platform id ${id} (the database's) replaces ${local} in ${home}/platform-id: controllers sharing a database are one platform`);
  }
  return id;
}

/**
 * The key sealing secrets at rest must be one for the platform: the first controller records its
 * check value in the database, and a controller whose key does not match refuses to start (it
 * could open none of the secrets the others sealed, and would seal ones they cannot open).
 */
async function adoptSecretKey(database: Database, config: ControllerConfig): Promise<SecretBox> {
  const secrets = SecretBox.forController(config);
  const recorded = await database.platform.adoptSecretKeyCheck(secrets.check());
  if (recorded !== secrets.check()) {
    const mine = config.secretKey ? EnvVar.secretKey : `${join(config.home, 'secret.key')}`;
    throw new ConfigError(
      config.secretKey ? EnvVar.secretKey : EnvVar.home,
      `this controller's secret key (${mine}) is not the platform's: every controller sealing and opening its secrets needs the same one — give this controller the first one's STRATOS_HOME/secret.key (${EnvVar.secretKey} or ${EnvVar.secretKey}_FILE names it)`,
    );
  }
  return secrets;
}

/**
 * A standing-by controller's retained presence ('standby'), cleared when it leads or stops (its
 * Last Will clears it if it dies): managers then wait for a takeover rather than refuse requests.
 */
function announceStandby(config: ControllerConfig, controllerId: string): { end(): Promise<void> } {
  const topic = Topics.controllerPresence.of(`standby-${controllerId}`);
  const client = withoutNagle(mqtt.connect(config.mqttUrl, {
    ...brokerTrust(config.mqttCaCert),
    clientId: `stratos-cc-standby-${controllerId}`,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    will: { topic, payload: Buffer.alloc(0), qos: 1, retain: true },
  }));
  client.on('error', () => undefined); // the request path and the leader's presence report what matters
  client.on('connect', () => client.publish(topic, JSON.stringify({ status: 'standby', since: new Date().toISOString() }), { qos: 1, retain: true }));
  return {
    async end() {
      if (client.connected) await client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync(true).catch(() => undefined);
    },
  };
}

/**
 * Starts a cloud controller: migrates the database, waits to lead (one controller leads at a
 * time; the others stand by, each ready to take over), then serves requests over MQTT.
 * `onDeposed`: another controller took over while this one could not reach the database — it
 * has stopped serving (by default the process ends: its supervisor starts it again, to stand by).
 */
export async function startCloudController(config: ControllerConfig, options: { logger?: false; log?: LogOptions; onDeposed?: (reason: string) => void } = {}): Promise<RunningController> {
  const root = createRootLogger('cloud-controller', options.logger === false ? { level: 'silent', ...options.log } : options.log);
  // Its lines before Nest starts (the platform id, leadership) in the process's format too (JSON in a container).
  if (options.logger !== false) Logger.overrideLogger(new ProcessLogger(root));
  const logger = new Logger('CloudController');
  const database = await Database.open({ url: config.databaseUrl, applicationName: 'stratos-cloud-controller' });
  let platformId: string;
  let secrets: SecretBox;
  try {
    platformId = await adoptPlatformId(database, config.home, logger);
    secrets = await adoptSecretKey(database, config);
    config.hostId ??= await hostIdOf(config.home);
    // What STRATOS_REGIONS names this host by: a local region of it is `local:<region>=<folder>?host=<id>`.
    logger.log(`this host's id: ${config.hostId} (STRATOS_HOME/host-id)`);
  } catch (error) {
    await database.close();
    throw error;
  }
  const controllerId = config.controllerId ?? `${hostname()}-${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
  config.controllerId = controllerId;
  const stopping = new AbortController();
  // Every controller asks the broker the same question and so subscribes the same way (see brokerSharing).
  const sharing = await brokerSharing(config.mqttUrl, config.mqttCaCert, {
    signal: stopping.signal,
    onUnreachable: (why) => logger.warn(`the MQTT broker at ${safeUrl(config.mqttUrl)} does not answer (${why}); asking again`),
  });
  const share = sharing.shares ? { group: CONTROLLERS_SHARE_GROUP, topics: sharedRequestTopics } : null;
  config.shareGroup = share?.group ?? null;
  let seat: HeldHostLock | null = null;
  try {
    if (!sharing.shares) seat = await takeHostSeat(config, controllerId, sharing.reason, stopping.signal);
  } catch (error) {
    await database.close();
    throw error;
  }
  let leadership: Leadership;
  // Managers that see a standby wait for its takeover instead of refusing requests at once.
  const standby = announceStandby(config, controllerId);
  const standbyServer = new StandbyServer(config, database, secrets, root, logger, share, sharing.shares ? null : sharing.reason);
  try {
    leadership = await lead(config.databaseUrl, controllerId, logger, stopping.signal, () => standbyServer.start());
  } catch (error) {
    await standbyServer.stop();
    await seat?.release();
    await database.close();
    throw error;
  } finally {
    await standby.end();
  }
  await standbyServer.stop();
  config.leadershipTerm = leadership.term;
  config.role = 'leader';
  logger.log(`leading the platform's controllers as ${controllerId} (term ${leadership.term})${share ? `; the requests controllers share (${share.topics.size} topics) go to every controller through $share/${share.group}/…` : ''}`);
  try {
    const app = await NestFactory.createMicroservice(CloudControllerModule.with(new ControllerSettings(config), database, secrets, root), {
      strategy: new RequestServerMqtt(
        {
          ...brokerTrust(config.mqttCaCert),
          url: config.mqttUrl,
          // The platform's request session, not this process's (one controller leads at a time): requests
          // (QoS 1) sent while none leads wait in the broker for the next leader.
          clientId: `stratos-cc-requests-${platformId}`,
          clean: false,
          subscribeOptions: { qos: 1 },
          reconnectPeriod: 1000,
          connectTimeout: 5000,
        },
        { share, sharedOnly: false },
        root,
      ),
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(ProcessLogger));
    await app.listen();
    // Nagle off on the request session's socket: a request's PUBACK and its reply are small writes in turn.
    withoutNagle(app.unwrap<MqttClient>());
    logger.log(`serving requests over MQTT at ${safeUrl(config.mqttUrl)}`);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      stopping.abort();
      await app.close();
      await leadership.release();
      await seat?.release();
      await database.close();
    };
    // A lost session (the database restarted, the connection cut): the same term again if nobody else led meanwhile, else stop.
    const keep = (held: Leadership): void => {
      void held.lost.then(async (error) => {
        logger.warn(`the leadership session was lost (${error.message}); asking for it again`);
        while (!closed) {
          try {
            const again = await Leadership.resume({ url: config.databaseUrl, controllerId }, held.term);
            if (again === 'deposed') break;
            leadership = again;
            logger.log(`leading again (term ${again.term})`);
            return keep(again);
          } catch {
            await sleep(1000);
          }
        }
        if (closed) return;
        const reason = `another controller leads now (this one's term ${held.term} has ended)`;
        logger.error(`${reason}: stopping`);
        await close().catch(() => undefined);
        (options.onDeposed ?? ((why: string) => {
          process.stderr.write(`cloud controller: ${why}\n`);
          process.exit(75);
        }))(reason);
      });
    };
    keep(leadership);
    return { app, database, close };
  } catch (error) {
    await leadership.release();
    await seat?.release();
    await database.close();
    throw error;
  }
}

/**
 * On a broker without shared subscriptions (aedes) each host has one controller: another of the
 * same host (the same STRATOS_HOME, so the same host id) would serve no request and tend no member
 * of its own, only wait to lead — and aedes lives in `npm start`'s process, so a leader that dies
 * takes the broker with it. Refused, saying why and what works instead. A controller of another
 * host is welcome: it tends that host's local members. Asked for a few seconds before refusing: a
 * controller restarted at once after a kill -9 may find its old session not yet ended.
 */
async function takeHostSeat(config: ControllerConfig, controllerId: string, notSharedBecause: string, stopping: AbortSignal): Promise<HeldHostLock> {
  const hostId = config.hostId!;
  const seat = await acquireHostLock({ url: config.databaseUrl, hostId, controllerId, lockClass: CONTROLLER_SEAT_LOCK, pollMs: 250, signal: AbortSignal.any([stopping, AbortSignal.timeout(HOST_SEAT_WAIT_MS)]) });
  if (seat) return seat;
  if (stopping.aborted) throw new Error('stopped while asking for this host\'s controller seat');
  throw new ConfigError(
    EnvVar.mqttUrl,
    `another controller of this platform runs on this host (host id ${hostId}, STRATOS_HOME ${config.home}), and the MQTT broker at ${safeUrl(config.mqttUrl)} has no shared subscriptions (${notSharedBecause}): a second controller here would serve nothing. ` +
      `Controllers share the work, and stand by for each other, on a broker with shared subscriptions such as Mosquitto (MQTT_URL); a controller of another host (a STRATOS_HOME of its own) is welcome on this one and tends its host's local members`,
  );
}

/**
 * While a controller stands by it runs its modules in the 'standby' role (no loop of the
 * leader's runs): it tends its own host's local members (HostKeeper), and on a broker with shared
 * subscriptions it serves the shared requests, on a session of its own that ends with it (a
 * request is never kept for a controller that is gone). Stopped when the controller leads (the
 * leader's application does all of it from then on) or stops.
 */
class StandbyServer {
  private app: Promise<INestMicroservice | null> | null = null;

  constructor(
    private readonly config: ControllerConfig,
    private readonly database: Database,
    private readonly secrets: SecretBox,
    private readonly root: Parameters<typeof CloudControllerModule.with>[3],
    private readonly logger: Logger,
    private readonly share: RequestSubscriptions['share'],
    private readonly notSharedBecause: string | null,
  ) {}

  /** Called each time the controller is told who leads: starts once. */
  start(): void {
    if (this.app) return;
    if (!this.share) this.logger.log(`serving no requests while standing by: ${this.notSharedBecause} (controllers share the work on a broker with shared subscriptions, such as Mosquitto: MQTT_URL)`);
    this.app = this.listen().catch((error: Error) => {
      this.logger.warn(`not tending this host's members${this.share ? ' nor serving requests' : ''} while standing by: ${error.message}`);
      return null;
    });
  }

  async stop(): Promise<void> {
    const app = await this.app;
    this.app = null;
    await app?.close();
  }

  private async listen(): Promise<INestMicroservice> {
    const app = await NestFactory.createMicroservice(CloudControllerModule.with(new ControllerSettings({ ...this.config, role: 'standby' }), this.database, this.secrets, this.root), {
      strategy: new RequestServerMqtt(
        {
          ...brokerTrust(this.config.mqttCaCert),
          url: this.config.mqttUrl,
          clientId: `stratos-cc-shared-${this.config.controllerId}`,
          clean: true,
          subscribeOptions: { qos: 1 },
          reconnectPeriod: 1000,
          connectTimeout: 5000,
        },
        { share: this.share, sharedOnly: true },
        this.root,
      ),
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(ProcessLogger));
    await app.listen();
    withoutNagle(app.unwrap<MqttClient>());
    if (this.share) this.logger.log(`serving the requests controllers share (${this.share.topics.size} topics, $share/${this.share.group}/…) while standing by`);
    return app;
  }
}
