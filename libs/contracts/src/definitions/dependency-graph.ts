/** Startup orders and scaling dependents: alias references, and cycles among them. */
import type { FieldIssue } from '../errors';
import type { Dependencies } from './definition-types';

export interface AliasRef {
  kind: 'cartridge' | 'group';
  alias: string;
  path: string;
}

export interface Findings {
  errors: FieldIssue[];
  warnings: FieldIssue[];
}

/**
 * Reads `cartridge.my-php` / `group.my-group` entries. Stratos's own samples sometimes put two
 * in one string ("group.a, cartridge.b"): read as two, with a warning.
 */
export function parseAliasLists(dependencies: Dependencies | undefined, pointer: string, found: Findings): { startupOrders: AliasRef[][]; scalingDependents: AliasRef[][] } {
  const parse = (key: 'startupOrders' | 'scalingDependents') =>
    (dependencies?.[key] ?? []).map((entry, i) =>
      entry.aliases.flatMap((raw, j) => {
        const path = `${pointer}/dependencies/${key}/${i}/aliases/${j}`;
        const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
        if (parts.length > 1) found.warnings.push({ path, message: `"${raw}" holds ${parts.length} aliases; read as ${parts.map((p) => `"${p}"`).join(', ')}` });
        return parts.flatMap((part): AliasRef[] => {
          const match = /^(cartridge|group)\.(.+)$/.exec(part);
          if (!match) {
            found.errors.push({ path, message: `"${part}" must be "cartridge.<alias>" or "group.<alias>"` });
            return [];
          }
          return [{ kind: match[1] as 'cartridge' | 'group', alias: match[2], path }];
        });
      }),
    );
  return { startupOrders: parse('startupOrders'), scalingDependents: parse('scalingDependents') };
}

/** Refuses a startup order that closes a cycle (a before b … before a), naming the cycle. */
export function findStartupCycles(orders: AliasRef[][], found: Findings): void {
  const edges = new Map<string, { to: string; path: string }[]>();
  const key = (ref: AliasRef) => `${ref.kind}.${ref.alias}`;
  for (const order of orders) {
    for (let i = 0; i + 1 < order.length; i++) {
      const from = key(order[i]);
      edges.set(from, [...(edges.get(from) ?? []), { to: key(order[i + 1]), path: order[i + 1].path }]);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const edge of edges.get(node) ?? []) {
      if (state.get(edge.to) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        const id = [...cycle].sort().join();
        if (!reported.has(id)) {
          reported.add(id);
          found.errors.push({ path: edge.path, message: `startup orders form a cycle: ${cycle.join(' → ')}` });
        }
      } else if (!state.has(edge.to)) visit(edge.to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
}
