/**
 * Stratos 4.1's cartridge filters (GET /api/cartridges/filter/{filter}): which cartridges each
 * names. An unknown filter is an error that lists the known ones (Stratos answered 404, or a 500).
 */
import { DomainError, type CartridgeView } from '@stratos/contracts';

export const CARTRIDGE_FILTERS = ['singleTenant', 'multiTenant', 'load-balancer', 'provider'] as const;
export type CartridgeFilter = (typeof CARTRIDGE_FILTERS)[number];

export function cartridgeFilter(filter: string, criteria: string | undefined): (cartridge: CartridgeView) => boolean {
  switch (filter) {
    case 'singleTenant':
      return (c) => !c.multiTenant;
    case 'multiTenant':
      return (c) => c.multiTenant === true;
    case 'load-balancer':
      return (c) => c.category.toLowerCase() === 'loadbalancer' && !c.multiTenant;
    case 'provider':
      if (!criteria) throw DomainError.invalid('the provider filter needs ?criteria=<provider>', [{ path: '?criteria', message: 'is required by the provider filter' }]);
      return (c) => c.provider === criteria;
    default:
      throw DomainError.invalid(`there is no cartridge filter "${filter}"`, [
        { path: '/filter', message: `must be one of ${CARTRIDGE_FILTERS.map((f) => `"${f}"`).join(', ')}`, allowed: [...CARTRIDGE_FILTERS] },
      ]);
  }
}
