import fc from 'fast-check';
import { describeNode, nodeConstraintsOf, nodeMatches, type SwarmNodeFacts } from './node-constraints';

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

  describe('matched against a node, as Swarm does', () => {
    const node: SwarmNodeFacts = { id: 'n1', hostname: 'Worker-1', role: 'worker', os: 'linux', arch: 'x86_64', labels: { zone: 'a', disk: 'SSD' }, engineLabels: { gpu: 'yes' } };

    it('needs every constraint met: labels, engine labels, id, hostname, role, platform; values without regard to case', () => {
      expect(nodeMatches(node, [])).toBe(true);
      expect(nodeMatches(node, ['node.labels.zone==a', 'node.labels.disk==ssd', 'engine.labels.gpu==yes', 'node.hostname==worker-1', 'node.role!=manager', 'node.platform.os==linux', 'node.id==n1'])).toBe(true);
      expect(nodeMatches(node, ['node.labels.zone==a', 'node.labels.zone==b'])).toBe(false);
      expect(nodeMatches(node, ['node.role==manager'])).toBe(false);
      expect(nodeMatches(node, ['zone = a'])).toBe(false); // not Swarm's syntax: met by no node
    });

    it('a label the node lacks: == not met, != met', () => {
      expect(nodeMatches(node, ['node.labels.rack==r1'])).toBe(false);
      expect(nodeMatches(node, ['node.labels.rack!=r1'])).toBe(true);
    });

    it('a constraint and its negation: exactly one is met, whatever the node (property)', () => {
      const value = fc.stringMatching(/^[a-zA-Z0-9]{1,4}$/);
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom('zone', 'disk', 'rack'), value), fc.constantFrom('node.labels.zone', 'node.labels.rack', 'node.hostname', 'node.role'), value, (labels, attribute, wanted) => {
          const facts = { ...node, labels };
          expect(nodeMatches(facts, [`${attribute}==${wanted}`])).toBe(!nodeMatches(facts, [`${attribute}!=${wanted}`]));
        }),
        { seed: 17, numRuns: 500 },
      );
    });

    it('is described by its hostname, role and labels', () => {
      expect(describeNode(node)).toBe('Worker-1 (worker, zone=a, disk=SSD)');
      expect(describeNode({ ...node, labels: {} })).toBe('Worker-1 (worker, no labels)');
    });
  });
});
