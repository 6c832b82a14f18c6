/**
 * Driver calls to another host's controller: a local region is a folder of one host (`?host=` in
 * STRATOS_REGIONS), and only that host's controller can start, list and stop its processes. The
 * others ask it over the broker, one request per call (Topics.hosts.driver, QoS 1), and hear the
 * answer on their own reply topic. Only the platform's broker identity may publish there.
 */
import { Topics, type FieldIssue } from '@stratos/contracts';

/** The driver calls a host answers for its local regions (what a local driver does that fits a message: no streams). */
export const HOST_DRIVER_OPS = ['launch', 'terminate', 'freeze', 'thaw', 'list', 'imageExists', 'logs', 'removeVolumes', 'health'] as const;
export type HostDriverOp = (typeof HOST_DRIVER_OPS)[number];

export interface HostDriverRequest {
  /** Unique per asker: a request the broker delivers twice is done once, and answered twice alike. */
  id: string;
  /** Where the answer goes: the asker's Topics.hosts.replies. */
  replyTo: string;
  /** The local region, by its name (one host may hold several). */
  region: string;
  op: HostDriverOp;
  /** The driver method's arguments, as JSON. */
  args: unknown[];
}

export type HostDriverReply = { id: string; ok: true; value?: unknown } | { id: string; ok: false; error: string };

const MAX_ARGS = 4;

/** The request in `payload`, or what is wrong with it (the request is then not done, and answered only where it says where). */
export function parseHostDriverRequest(payload: Buffer): { request: HostDriverRequest } | { issues: FieldIssue[]; id?: string; replyTo?: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return { issues: [{ path: '', message: `not JSON: ${(error as Error).message}` }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { issues: [{ path: '', message: 'not an object' }] };
  const { id, replyTo, region, op, args } = value as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) issues.push({ path: '/id', message: 'a string of 1 to 128 characters' });
  const repliesOk = typeof replyTo === 'string' && replyTo.startsWith(Topics.hosts.repliesPrefix) && /^[A-Za-z0-9._-]{1,128}$/.test(replyTo.slice(Topics.hosts.repliesPrefix.length));
  if (!repliesOk) issues.push({ path: '/replyTo', message: `a reply topic ${Topics.hosts.repliesPrefix}<controller id>` });
  if (typeof region !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) issues.push({ path: '/region', message: 'a region name' });
  if (typeof op !== 'string' || !(HOST_DRIVER_OPS as readonly string[]).includes(op)) issues.push({ path: '/op', message: 'not a driver call a host answers', allowed: [...HOST_DRIVER_OPS] });
  if (!Array.isArray(args) || args.length > MAX_ARGS) issues.push({ path: '/args', message: `an array of at most ${MAX_ARGS} arguments` });
  if (issues.length > 0) return { issues, ...(typeof id === 'string' && { id }), ...(repliesOk && { replyTo: replyTo as string }) };
  return { request: { id, replyTo, region, op, args } as HostDriverRequest };
}
