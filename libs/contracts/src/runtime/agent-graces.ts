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
