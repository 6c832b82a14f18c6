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

/**
 * The MQTT keepalive an agent connects with. An agent pings only after a keepalive in which it
 * sent nothing; where its keepalive is shorter than its health interval it sends a ping (and gets
 * an answer) between every two reports. Stretched past that interval, it never pings while it
 * reports — by default 10 s → 16 s — but only as far as 5/3 of the keepalive set: the broker's
 * Will comes 1.5 keepalives after an agent's last packet, and that last packet could be a ping a
 * keepalive after its last report, so a frozen agent's Will came up to 2.5 keepalives after its
 * last report; with 5/3 it comes no later than that, and its member is Lost no later (the silence
 * graces are unchanged). Where that is not past the interval, or the keepalive is no shorter than
 * the interval (no ping between reports anyway), the keepalive stays.
 */
export function agentMqttKeepaliveS(config: { agentKeepaliveS?: number; healthIntervalS?: number }): number {
  const keepaliveS = config.agentKeepaliveS ?? DEFAULT_AGENT_KEEPALIVE_S;
  const healthS = config.healthIntervalS ?? DEFAULT_HEALTH_INTERVAL_S;
  if (keepaliveS >= healthS) return keepaliveS;
  const stretched = Math.floor((keepaliveS * 5) / 3);
  return stretched > healthS ? stretched : keepaliveS;
}
