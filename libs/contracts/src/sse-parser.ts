/**
 * Server-sent events, parsed as the HTML standard says (the event-stream format), for a stream
 * read with fetch: the console's (EventSource cannot send an Authorization header, and the console
 * keeps its token out of cookies) and the CLI's (`stratos topology watch`, `app deploy --wait`).
 */
export interface SseMessage {
  /** The last `id:` seen so far (the stream's Last-Event-ID), if any. */
  id: string | undefined;
  event: string;
  data: string;
}

export class SseParser {
  private pending = '';
  private data: string[] = [];
  private event = '';
  /** Moves with every `id:` line, also one with no data after it (where the server says where it stands). */
  lastEventId: string | undefined;

  /** Feeds a chunk of the stream; returns the messages it completed. */
  feed(chunk: string): SseMessage[] {
    const messages: SseMessage[] = [];
    this.pending += chunk;
    // A line ends at CRLF, LF or CR; a CR at the end of a chunk may be the first half of a CRLF.
    for (;;) {
      const match = /\r\n|\n|\r(?=[^\n])/.exec(this.pending);
      if (!match) break;
      const line = this.pending.slice(0, match.index);
      this.pending = this.pending.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      const message = this.data.length > 0 ? { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') } : null;
      this.data = [];
      this.event = '';
      return message;
    }
    if (line.startsWith(':')) return null; // a comment (the server's keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    return null; // `retry` and unknown fields: ignored (the console has its own back-off)
  }
}
