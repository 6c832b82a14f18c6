/**
 * Secrets never leave the platform: not in responses, events or logs. A value is secret when
 * its schema marks it (`secret: true`, e.g. iaasProvider.credential) or when it is the value
 * of a name/value property whose name says so (Stratos's `payload_parameter.MB_PASSWORD`).
 */
import type { JsonSchema } from './json-schema';

export const REDACTED = '******';
const SECRET_NAME = /(password|passwd|secret|credential|token|private[-_.]?key)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function redact<T>(schema: JsonSchema, value: T): T {
  return walk(schema, value) as T;
}

function walk(schema: JsonSchema | undefined, value: unknown): unknown {
  if (!schema) return value;
  if (schema.secret && value !== undefined && value !== null && value !== '') return REDACTED;
  if (Array.isArray(value)) return value.map((item) => walk(schema.items, item));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const isSecretProperty = typeof record.name === 'string' && 'value' in record && isSecretName(record.name);
    for (const [key, child] of Object.entries(record)) {
      out[key] = isSecretProperty && key === 'value' ? REDACTED : walk(schema.properties?.[key], child);
    }
    return out;
  }
  return value;
}

/**
 * A client that GETs a definition and PUTs it back sends REDACTED where secrets were: read
 * that as "keep the stored value" (matched by position), never as the new secret.
 */
export function restoreRedacted<T>(incoming: T, stored: unknown): T {
  if (incoming === (REDACTED as unknown)) return stored as T;
  if (Array.isArray(incoming)) {
    return incoming.map((item, i) => restoreRedacted(item, Array.isArray(stored) ? stored[i] : undefined)) as T;
  }
  if (incoming && typeof incoming === 'object') {
    const from = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(incoming).map(([k, v]) => [k, restoreRedacted(v, from[k])])) as T;
  }
  return incoming;
}

/** `value` with `change` applied to each non-empty string its schema marks `secret` (sealing at rest, opening for use). */
export function mapSchemaSecrets<T>(schema: JsonSchema, value: T, change: (secret: string) => string): T {
  const visit = (s: JsonSchema | undefined, v: unknown): unknown => {
    if (!s) return v;
    if (s.secret) return typeof v === 'string' && v !== '' && v !== REDACTED ? change(v) : v;
    if (Array.isArray(v)) return v.map((item) => visit(s.items, item));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, child]) => [k, visit(s.properties?.[k], child)]));
    return v;
  };
  return visit(schema, value) as T;
}
