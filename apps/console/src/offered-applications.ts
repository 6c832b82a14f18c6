/** Which applications a tenant may sign up to: those with a multi-tenant cartridge among their subscriptions. Pure. */

/** The cartridge types an application's components subscribe to, in groups too. */
export function cartridgeTypesOf(components: unknown): string[] {
  const types: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const { cartridges, groups } = node as { cartridges?: { type?: unknown }[]; groups?: unknown[] };
    for (const cartridge of Array.isArray(cartridges) ? cartridges : []) if (typeof cartridge?.type === 'string') types.push(cartridge.type);
    for (const group of Array.isArray(groups) ? groups : []) walk(group);
  };
  walk(components);
  return types;
}
