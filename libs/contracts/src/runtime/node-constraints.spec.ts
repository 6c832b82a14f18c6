import fc from 'fast-check';
import { nodeConstraintsOf } from './node-constraints';

describe("a partition's node constraints", () => {
  it('reads zone as the node label zone, and constraint entries in Swarm syntax, in order; other properties are not theirs', () => {
    expect(
      nodeConstraintsOf({
        property: [
          { name: 'region', value: 'eu' },
          { name: 'zone', value: 'a' },
          { name: 'constraint', value: 'node.labels.disk == ssd' },
          { name: 'constraint', value: 'node.role!=manager' },
          { name: 'constraint', value: 'engine.labels.gpu==yes' },
        ],
      }),
    ).toEqual({ constraints: ['node.labels.zone==a', 'node.labels.disk==ssd', 'node.role!=manager', 'engine.labels.gpu==yes'], errors: [] });
    expect(nodeConstraintsOf({})).toEqual({ constraints: [], errors: [] });
  });

  it('names the property value that is wrong, under the pointer it is given', () => {
    const { constraints, errors } = nodeConstraintsOf({ property: [{ name: 'zone', value: 'a b' }, { name: 'constraint', value: 'zone = a' }, { name: 'constraint', value: 'node.labels.x==1' }] }, '/partitions/2');
    expect(constraints).toEqual(['node.labels.x==1']);
    expect(errors.map((e) => e.path)).toEqual(['/partitions/2/property/0/value', '/partitions/2/property/1/value']);
    expect(errors[1].message).toContain('Swarm placement constraint');
  });

  it('answers any property list with constraints or errors, one per zone or constraint entry, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.constantFrom('zone', 'constraint', 'region', 'other'), value: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('node.labels.a==b')) }), { maxLength: 8 }), (property) => {
        const { constraints, errors } = nodeConstraintsOf({ property });
        expect(constraints.length + errors.length).toBe(property.filter((p) => p.name === 'zone' || p.name === 'constraint').length);
        for (const c of constraints) expect(c).toMatch(/^(node|engine)\.[A-Za-z0-9_.-]+(==|!=)\S+$/);
      }),
      { seed: 13, numRuns: 1000 },
    );
  });
});
