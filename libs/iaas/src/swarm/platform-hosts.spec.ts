import fc from 'fast-check';
import { nodeMatches, type SwarmNodeFacts } from '@stratos/contracts';
import { choosePlatformHost, PLATFORM_HOST_LABEL, platformHostOf } from './platform-hosts';

const node = (hostname: string, labels: Record<string, string> = {}): SwarmNodeFacts => ({ id: `id-${hostname}`, hostname, role: 'worker', labels, engineLabels: {} });
const SWARM = '10.1.0.1';
const everyNode = () => true;

describe('platform hosts per swarm node', () => {
  it('gives every member the swarm’s address, unconstrained, while no node says another', () => {
    const nodes = [node('a', { zone: 'a' }), node('b')];
    expect(choosePlatformHost(nodes, everyNode, SWARM, [SWARM, SWARM])).toEqual({ platformHost: SWARM, constraints: [] });
  });

  it('holds a member to the nodes that reach the platform at the address it is given, spreading a cluster over the addresses', () => {
    const nodes = [node('a'), node('b', { [PLATFORM_HOST_LABEL]: '192.168.7.1' })];
    const first = choosePlatformHost(nodes, everyNode, SWARM, []);
    // A tie (no member yet, one node each): the lower address.
    expect(first).toEqual({ platformHost: '10.1.0.1', constraints: [`node.labels.${PLATFORM_HOST_LABEL}!=192.168.7.1`] });
    const second = choosePlatformHost(nodes, everyNode, SWARM, [first.platformHost]);
    expect(second).toEqual({ platformHost: '192.168.7.1', constraints: [`node.labels.${PLATFORM_HOST_LABEL}==192.168.7.1`] });
    // Only the nodes the partition allows count: with b not eligible, a takes the next one too.
    expect(choosePlatformHost(nodes, (n) => n.hostname === 'a', SWARM, [SWARM]).platformHost).toBe(SWARM);
  });

  it('counts members per node: an address with more nodes takes more of them', () => {
    const nodes = [node('a'), node('b', { [PLATFORM_HOST_LABEL]: '192.168.7.1' }), node('c', { [PLATFORM_HOST_LABEL]: '192.168.7.1' })];
    expect(choosePlatformHost(nodes, everyNode, SWARM, [SWARM, '192.168.7.1']).platformHost).toBe('192.168.7.1');
  });

  it('refuses a label that is not an IP address, naming the node and the fix', () => {
    expect(() => platformHostOf(node('edge-1', { [PLATFORM_HOST_LABEL]: 'platform.example' }), SWARM)).toThrow(/edge-1's label stratos.platform-host="platform.example" is not an IP address \(docker node update --label-add/);
  });

  it('puts a member only where the nodes meeting its constraints reach the platform at its address, and some eligible node meets them', () => {
    const address = fc.constantFrom(SWARM, '192.168.7.1', '192.168.8.1', 'fd00::1');
    const nodes = fc.array(fc.tuple(fc.option(address, { nil: undefined }), fc.boolean()), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(nodes, fc.array(address, { maxLength: 10 }), (shapes, running) => {
        const all = shapes.map(([label], i) => node(`n${i}`, label === undefined ? {} : { [PLATFORM_HOST_LABEL]: label }));
        const eligible = (n: SwarmNodeFacts) => shapes[all.indexOf(n)][1];
        const choice = choosePlatformHost(all, eligible, SWARM, running);
        for (const n of all.filter((x) => nodeMatches(x, choice.constraints))) expect(platformHostOf(n, SWARM)).toBe(choice.platformHost);
        if (all.some(eligible)) expect(all.some((n) => eligible(n) && nodeMatches(n, choice.constraints))).toBe(true);
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
