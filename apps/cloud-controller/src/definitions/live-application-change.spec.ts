import fc from 'fast-check';
import { liveApplicationChange } from './live-application-change';

const app = (webMin = 2, webMax = 4, extra: Record<string, unknown> = {}) => ({
  applicationId: 'hello',
  components: {
    cartridges: [{ type: 'db', cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'db', deploymentPolicy: 'p' } }],
    groups: [{ name: 'g', alias: 'g1', groupMinInstances: 1, cartridges: [{ type: 'web', cartridgeMin: webMin, cartridgeMax: webMax, subscribableInfo: { alias: 'web', deploymentPolicy: 'p' } }] }],
    dependencies: { startupOrders: [{ aliases: ['cartridge.db', 'group.g1'] }] },
  },
  ...extra,
});

describe('liveApplicationChange', () => {
  it('accepts the same definition with no change', () => {
    expect(liveApplicationChange(app(), app())).toEqual({ ok: true, bounds: [] });
  });

  it("finds a nested subscription's new bounds", () => {
    expect(liveApplicationChange(app(), app(3, 6))).toEqual({ ok: true, bounds: [{ alias: 'web', pointer: '/components/groups/0/cartridges/0', min: 3, max: 6 }] });
  });

  it('refuses anything else, naming each pointer', () => {
    const next = app(3, 6);
    next.components.groups[0].cartridges[0].type = 'web2';
    next.components.dependencies.startupOrders[0].aliases.push('cartridge.x');
    (next.components.groups[0] as Record<string, unknown>).groupMinInstances = 2;
    expect(liveApplicationChange(app(), next)).toEqual({
      ok: false,
      pointers: ['/components/groups/0/groupMinInstances', '/components/groups/0/cartridges/0/type', '/components/dependencies/startupOrders/0/aliases/2'],
    });
  });

  it('escapes keys in pointers as RFC 6901 says', () => {
    expect(liveApplicationChange(app(), app(2, 4, { 'a/b~c': 1 }))).toEqual({ ok: false, pointers: ['/a~1b~0c'] });
  });

  it('property: any change of bounds alone is accepted and reported exactly; any other changed leaf is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.string(), (min, max, label) => {
        const bounds = liveApplicationChange(app(), app(min, max));
        expect(bounds).toEqual({ ok: true, bounds: min === 2 && max === 4 ? [] : [{ alias: 'web', pointer: '/components/groups/0/cartridges/0', min, max }] });
        const other = liveApplicationChange(app(), app(min, max, { description: label }));
        expect(other).toEqual({ ok: false, pointers: ['/description'] });
      }),
      { seed: 8, numRuns: 200 },
    );
  });
});
