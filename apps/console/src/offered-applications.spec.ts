import { describe, expect, it } from '@jest/globals';
import { cartridgeTypesOf } from './offered-applications';

describe('cartridgeTypesOf', () => {
  it("finds the cartridge types of an application's subscriptions, in nested groups too", () => {
    const components = { cartridges: [{ type: 'tenant-web' }, { type: 'tenant-lb' }], groups: [{ cartridges: [{ type: 'db' }], groups: [{ cartridges: [{ type: 'cache' }] }] }] };
    expect(cartridgeTypesOf(components)).toEqual(['tenant-web', 'tenant-lb', 'db', 'cache']);
  });

  it('takes whatever a definition holds without throwing', () => {
    for (const odd of [undefined, null, 5, 'x', [], { cartridges: 'no' }, { cartridges: [null, { type: 3 }] }, { groups: [null, 1] }]) expect(cartridgeTypesOf(odd)).toEqual([]);
  });
});
