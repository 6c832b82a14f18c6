/**
 * The cartridge agent: the process inside every member. It registers the member over MQTT
 * (with a Last Will that reports it gone), starts the workload, waits for its ports, reports
 * it active, sends health statistics, and on SIGTERM reports ready-to-shutdown and leaves.
 * Credentials never reach a log line.
 */
import { randomUUID } from 'node:crypto';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import mqtt from 'mqtt';
import { AgentEventType, AgentTopics, type AgentEvent, type HealthReport } from '@stratos/contracts';
import { readLaunchPayload } from './launch-payload';
import { startWorkload, waitForPorts, type Workload } from './workload';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} agent: ${line}\n`);

/** Waits for `work` at most `ms`; its failure or lateness is not the caller's problem. */
function within(ms: number, work: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    work.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

async function main(): Promise<void> {
  const payload = readLaunchPayload(process.env);
  const event = (type: AgentEvent['type'], extra: Partial<AgentEvent> = {}): string =>
    JSON.stringify({ eventId: randomUUID(), type, memberId: payload.memberId, clusterId: payload.clusterId, timestamp: new Date().toISOString(), ...extra } satisfies AgentEvent);
  const topic = AgentTopics.events(payload.memberId);
  const client = await mqtt.connectAsync(payload.brokerUrl, {
    username: payload.brokerUsername,
    password: payload.brokerPassword,
    clientId: `agent-${payload.memberId}`,
    keepalive: 10,
    reconnectPeriod: 1000,
    will: { topic, payload: Buffer.from(event(AgentEventType.AgentDisconnected)), qos: 1, retain: false },
  });
  log(`member ${payload.memberId} of ${payload.clusterId} connected to the broker`);
  await client.publishAsync(topic, event(AgentEventType.InstanceStarted), { qos: 1 });

  let workload: Workload | undefined;
  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    // Say so if the broker is there; a broker that is gone must not keep the member from stopping.
    await within(2000, client.publishAsync(topic, event(AgentEventType.InstanceReadyToShutdown, { message: why }), { qos: 1 }));
    await workload?.stop();
    await within(1000, client.endAsync());
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));

  workload = startWorkload(payload);
  let activated = false;
  let failed = false;
  void workload.exited.then(async (why) => {
    if (stopping) return;
    failed = true;
    log(`${why}; the member is lost`);
    if (!activated) await within(2000, client.publishAsync(topic, event(AgentEventType.InstanceActivationFailed, { message: why }), { qos: 1 }));
    process.exit(1); // no clean disconnect: the Last Will tells the controller
  });
  try {
    await waitForPorts(payload.ports, payload.readyTimeoutMs);
  } catch (error) {
    await client.publishAsync(topic, event(AgentEventType.InstanceActivationFailed, { message: (error as Error).message }), { qos: 1 });
    log((error as Error).message);
    await workload.stop();
    process.exit(1);
  }
  if (failed) return; // what answers on the port is not this member's workload
  activated = true;
  await client.publishAsync(topic, event(AgentEventType.InstanceActivated, { ports: payload.ports }), { qos: 1 });
  log(`active on ${payload.ports.map((p) => `${p.port}→${p.hostPort}`).join(', ') || 'no ports'}`);

  const health = () => {
    const report: HealthReport = {
      memberId: payload.memberId,
      clusterId: payload.clusterId,
      state: stopping ? 'stopping' : 'active',
      loadAverage: Math.round((loadavg()[0] / cpus().length) * 1000) / 10,
      memoryConsumption: Math.round((1 - freemem() / totalmem()) * 1000) / 10,
      timestamp: new Date().toISOString(),
    };
    client.publish(AgentTopics.health(payload.memberId), JSON.stringify(report), { qos: 0 });
  };
  setInterval(health, payload.healthIntervalMs).unref();
  health();
}

main().catch((error: unknown) => {
  log(`cannot start: ${(error as Error).message}`);
  process.exit(1);
});
