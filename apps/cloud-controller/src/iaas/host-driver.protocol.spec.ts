import fc from 'fast-check';
import { Topics } from '@stratos/contracts';
import { HOST_DRIVER_OPS, parseHostDriverRequest } from './host-driver.protocol';

const request = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ id: 'r-1', replyTo: Topics.hosts.replies('cc-a'), region: 'lab', op: 'list', args: [], ...fields }));
const issues = (payload: Buffer) => {
  const parsed = parseHostDriverRequest(payload);
  return 'issues' in parsed ? parsed.issues.map((i) => `${i.path} ${i.message}`) : [];
};

describe('parseHostDriverRequest', () => {
  it('takes a request as a controller sends it', () => {
    expect(parseHostDriverRequest(request({ op: 'terminate', args: ['123', { graceMs: 0 }] }))).toEqual({
      request: { id: 'r-1', replyTo: 'stratos/cc/hosts/replies/cc-a', region: 'lab', op: 'terminate', args: ['123', { graceMs: 0 }] },
    });
  });

  it('names each field that is wrong, and keeps where to answer when it can', () => {
    expect(issues(Buffer.from('{'))).toEqual([expect.stringMatching(/^ not JSON: /)]);
    expect(issues(Buffer.from('[]'))).toEqual([' not an object']);
    expect(issues(request({ op: 'bake' }))).toEqual(['/op not a driver call a host answers']);
    expect(issues(request({ replyTo: 'stratos/topology/MemberActivated' }))).toEqual(['/replyTo a reply topic stratos/cc/hosts/replies/<controller id>']);
    expect(issues(request({ replyTo: 'stratos/cc/hosts/replies/a/#' }))).toHaveLength(1);
    expect(issues(request({ region: '../etc' }))).toEqual(['/region a region name']);
    expect(issues(request({ args: [1, 2, 3, 4, 5] }))).toEqual(['/args an array of at most 4 arguments']);
    expect(parseHostDriverRequest(request({ op: 'bake' }))).toMatchObject({ id: 'r-1', replyTo: 'stratos/cc/hosts/replies/cc-a' });
    expect(parseHostDriverRequest(request({ replyTo: 'elsewhere' }))).not.toHaveProperty('replyTo');
  });

  it('answers any payload with a request or issues, never a throw; a request only with a known op and a reply topic of its own (property)', () => {
    const field = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 6 }), fc.constantFrom(...HOST_DRIVER_OPS, 'stratos/cc/hosts/replies/x', 'lab'));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }).map((t) => Buffer.from(t)), fc.record({ id: field, replyTo: field, region: field, op: field, args: field }, { requiredKeys: [] }).map((r) => Buffer.from(JSON.stringify(r)))), (payload) => {
        const parsed = parseHostDriverRequest(payload);
        if ('request' in parsed) {
          expect(HOST_DRIVER_OPS).toContain(parsed.request.op);
          expect(parsed.request.replyTo.startsWith(Topics.hosts.repliesPrefix)).toBe(true);
          expect(Array.isArray(parsed.request.args)).toBe(true);
        } else {
          expect(parsed.issues.length).toBeGreaterThan(0);
        }
      }),
      { seed: 13, numRuns: 2000 },
    );
  });
});
