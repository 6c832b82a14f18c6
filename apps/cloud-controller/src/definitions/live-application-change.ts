/**
 * What may change in a deployed application's definition without an undeploy: the bounds of its
 * cartridge subscriptions (cartridgeMin, cartridgeMax), anywhere in its groups. Anything else
 * (a cartridge, an alias, a dependency, a policy) changes what runs and is refused, naming each
 * JSON pointer that differs.
 */
export interface BoundsChange {
  alias: string;
  /** The subscription's JSON pointer in the definition. */
  pointer: string;
  min: number;
  max: number;
}

export type LiveChange = { ok: true; bounds: BoundsChange[] } | { ok: false; pointers: string[] };

const BOUNDS = new Set(['cartridgeMin', 'cartridgeMax']);
const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Pointers where `a` and `b` differ, except bounds of a cartridge subscription (an object with subscribableInfo). */
function differences(a: unknown, b: unknown, pointer: string, out: string[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) differences(a[i], b[i], `${pointer}/${i}`, out);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const subscription = 'subscribableInfo' in a && 'subscribableInfo' in b;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (subscription && BOUNDS.has(key)) continue;
      differences(a[key], b[key], `${pointer}/${escape(key)}`, out);
    }
    return;
  }
  if (a !== b) out.push(pointer || '/');
}

/** Every cartridge subscription of an application definition, wherever it is nested. */
function subscriptions(node: unknown, pointer = '', out: { node: Record<string, unknown>; pointer: string }[] = []): { node: Record<string, unknown>; pointer: string }[] {
  if (Array.isArray(node)) node.forEach((item, i) => subscriptions(item, `${pointer}/${i}`, out));
  else if (isObject(node)) {
    if (isObject(node.subscribableInfo)) out.push({ node, pointer });
    for (const [key, value] of Object.entries(node)) subscriptions(value, `${pointer}/${escape(key)}`, out);
  }
  return out;
}

export function liveApplicationChange(current: unknown, next: unknown): LiveChange {
  const pointers: string[] = [];
  differences(current, next, '', pointers);
  if (pointers.length) return { ok: false, pointers };
  const aliasOf = (s: Record<string, unknown>) => String((s.subscribableInfo as Record<string, unknown>).alias);
  const before = new Map(subscriptions(current).map(({ node }) => [aliasOf(node), node]));
  const bounds: BoundsChange[] = [];
  for (const { node, pointer } of subscriptions(next)) {
    const old = before.get(aliasOf(node));
    if (old && (old.cartridgeMin !== node.cartridgeMin || old.cartridgeMax !== node.cartridgeMax)) bounds.push({ alias: aliasOf(node), pointer, min: Number(node.cartridgeMin), max: Number(node.cartridgeMax) });
  }
  return { ok: true, bounds };
}
