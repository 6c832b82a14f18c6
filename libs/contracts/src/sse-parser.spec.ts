import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SseParser, type SseMessage } from './sse-parser';

const encode = (messages: { id?: string; event?: string; data: string }[]) =>
  messages.map((m) => `${m.id !== undefined ? `id: ${m.id}\n` : ''}${m.event ? `event: ${m.event}\n` : ''}${m.data.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`).join('');

describe('SseParser', () => {
  it('parses what the topology stream sends: an id with no data, comments, then events', () => {
    const parser = new SseParser();
    const out = parser.feed('id: 7\n: topology events after revision 7\n\n: keep-alive\n\nid: 8\nevent: MemberCreated\ndata: {"revision":8}\n\n');
    expect(out).toEqual([{ id: '8', event: 'MemberCreated', data: '{"revision":8}' }]);
    expect(parser.lastEventId).toBe('8');
  });

  it('keeps the id of a message with no data, so that a reconnect before any event resumes from it', () => {
    const parser = new SseParser();
    expect(parser.feed('id: 42\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('42');
  });

  it('joins data lines, defaults the event to message, and takes CRLF and CR line ends', () => {
    const parser = new SseParser();
    expect(parser.feed('data: a\r\ndata: b\r\rdata:c\n\n')).toEqual([
      { id: undefined, event: 'message', data: 'a\nb' },
      { id: undefined, event: 'message', data: 'c' },
    ]);
  });

  it('gives the same messages however the stream is cut into chunks (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '{', '}', 'é', '😀') });
    const message = fc.record({ id: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }), event: fc.option(fc.constantFrom('MemberCreated', 'Snapshot'), { nil: undefined }), data: fc.array(text, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n')) });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
        const stream = encode(messages);
        const whole = new SseParser().feed(stream);
        const parser = new SseParser();
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const pieces: SseMessage[] = [];
        let from = 0;
        for (const at of [...points, stream.length]) {
          pieces.push(...parser.feed(stream.slice(from, at)));
          from = at;
        }
        expect(pieces).toEqual(whole);
        expect(whole.map((m) => m.data)).toEqual(messages.map((m) => m.data));
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});
