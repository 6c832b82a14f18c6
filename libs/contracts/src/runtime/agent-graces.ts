/**
 * How long an agent may be silent before its member is Lost: what the controller decides with,
 * and what the launcher waits for before it retires a rotated member secret (by then a member
 * that never came back is Lost anyway).
 */
export const DEFAULT_AGENT_KEEPALIVE_S = 10;
/** A silent agent is Lost after this many keepalives (a broker restart or a blip must not replace every member). */
export const AGENT_GRACE_KEEPALIVES = 3;
/** Stratos's cartridge agent published health statistics every 15 s: each report costs the controller about a millisecond of CPU. */
export const DEFAULT_HEALTH_INTERVAL_S = 15;

/**
 * After its Last Will, 3 keepalives; with no Will at all (one that could not reach the
 * controller), also 3 health intervals, since health reports are then its only sign of life.
 */
export function silenceGraces(config: { agentKeepaliveS?: number; healthIntervalS?: number }): { willMs: number; quietMs: number } {
  const willMs = (config.agentKeepaliveS ?? DEFAULT_AGENT_KEEPALIVE_S) * AGENT_GRACE_KEEPALIVES * 1000;
  return { willMs, quietMs: Math.max(willMs, (config.healthIntervalS ?? DEFAULT_HEALTH_INTERVAL_S) * 3 * 1000) };
}

/** A report comes a little late now and then (timers drift, a busy agent): no ping for that. */
const REPORT_LATENESS = 1.2;

/**
 * The MQTT keepalive an agent connects with. An agent pings only after a keepalive in which it
 * sent nothing, so where its health reports come at least every keepalive and a half, its
 * keepalive is stretched to just over their interval and it never pings while it reports: a ping
 * and its answer per report saved on the broker (by default 10 s → 18 s). The silence that makes
 * a member Lost is not lengthened: the broker's Will then comes later (1.5 keepalives), but an
 * agent gone quiet is Lost after 3 health intervals without a word anyway (silenceGraces), which
 * is no later than its Will and 3 keepalives had taken. Where reports are rarer, the keepalive stays.
 */
export function agentMqttKeepaliveS(config: { agentKeepaliveS?: number; healthIntervalS?: number }): number {
  const keepaliveS = config.agentKeepaliveS ?? DEFAULT_AGENT_KEEPALIVE_S;
  const healthS = config.healthIntervalS ?? DEFAULT_HEALTH_INTERVAL_S;
  return healthS <= keepaliveS * 1.5 ? Math.max(keepaliveS, Math.ceil(healthS * REPORT_LATENESS)) : keepaliveS;
}
