import { DomainError, type CartridgeView } from '@stratos/contracts';
import { cartridgeFilter } from './cartridge-filters';

const cartridge = (type: string, fields: Partial<CartridgeView>) => ({ type, category: 'framework', provider: 'apache', multiTenant: false, ...fields }) as CartridgeView;
const all = [
  cartridge('php', { multiTenant: true }),
  cartridge('mysql', { category: 'data', provider: 'oracle' }),
  cartridge('haproxy', { category: 'LoadBalancer' }),
  cartridge('mt-lb', { category: 'loadbalancer', multiTenant: true }),
];
const names = (filter: string, criteria?: string) => all.filter(cartridgeFilter(filter, criteria)).map((c) => c.type);

describe("Stratos's cartridge filters", () => {
  it('selects by tenancy, by the load balancer category (single-tenant ones), and by provider', () => {
    expect(names('singleTenant')).toEqual(['mysql', 'haproxy']);
    expect(names('multiTenant')).toEqual(['php', 'mt-lb']);
    expect(names('load-balancer')).toEqual(['haproxy']);
    expect(names('provider', 'oracle')).toEqual(['mysql']);
  });

  it('refuses an unknown filter listing the known ones, and a provider filter without criteria', () => {
    expect(() => cartridgeFilter('cheap', undefined)).toThrow(DomainError);
    try {
      cartridgeFilter('cheap', undefined);
    } catch (error) {
      expect((error as DomainError).errors).toEqual([expect.objectContaining({ path: '/filter', allowed: ['singleTenant', 'multiTenant', 'load-balancer', 'provider'] })]);
    }
    expect(() => cartridgeFilter('provider', '')).toThrow(/criteria/);
  });
});
