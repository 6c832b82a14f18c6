/**
 * The topology feed (GET /api/topology/events) for the console: read with fetch (the token in a
 * header), resumed from the last revision after any break — the platform restarting, the network
 * — with a growing pause (1 s to 15 s), as `stratos topology watch` does.
 */
import { SseParser, type MemberHealthBatch, type TopologyEvent, type TopologySnapshotEvent } from '@stratos/contracts';
import { authorization } from './api';

export type FeedState = { connected: true } | { connected: false; retryInMs: number; why: string };

export interface FeedHandlers {
  event(event: TopologyEvent): void;
  /** The log no longer held the revision asked for: the topology at a later one. */
  snapshot(event: TopologySnapshotEvent): void;
  health?(batch: MemberHealthBatch): void;
  state(state: FeedState): void;
  /** The session ended (401): stop, the login screen takes over. */
  unauthorized(): void;
}

export function watchTopology(since: number, handlers: FeedHandlers, options: { health?: boolean } = {}): () => void {
  let last = String(since);
  let stopped = false;
  let controller: AbortController | null = null;
  let pause = 1000;

  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(`/api/topology/events?since=${encodeURIComponent(last)}${options.health ? '&health=true' : ''}`, {
          headers: { Accept: 'text/event-stream', ...authorization() },
          signal: controller.signal,
        });
        if (response.status === 401) {
          handlers.unauthorized();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`the feed answered ${response.status}`);
        handlers.state({ connected: true });
        pause = 1000;
        const parser = new SseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const message of parser.feed(value)) {
            if (message.event === 'MemberHealth') handlers.health?.(JSON.parse(message.data) as MemberHealthBatch);
            else if (message.event === 'Snapshot') handlers.snapshot(JSON.parse(message.data) as TopologySnapshotEvent);
            else handlers.event(JSON.parse(message.data) as TopologyEvent);
          }
          if (parser.lastEventId !== undefined) last = parser.lastEventId;
        }
        throw new Error('the feed ended');
      } catch (error) {
        if (stopped) return;
        handlers.state({ connected: false, retryInMs: pause, why: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 15_000);
      }
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
