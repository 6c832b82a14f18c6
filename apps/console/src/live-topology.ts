/**
 * The live topology for the views: the snapshot, then the SSE feed applied to a TopologyModel —
 * events batched per animation frame, so that a burst (a 1,000-member deploy) costs one render,
 * not one per event. Also keeps the recent events (the event log) and each member's recent health.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApplicationRuntime, MemberHealth, TopologyEvent, TopologySnapshot } from '@stratos/contracts';
import { request } from './api';
import { watchTopology, type FeedState } from './event-stream';
import { TopologyModel } from './topology-model';

const RECENT_EVENTS = 5000;
const HEALTH_SAMPLES = 60;

export interface LiveTopology {
  model: TopologyModel | null;
  /** Recent events, newest last. */
  events: TopologyEvent[];
  /** Each member's recent health reports, oldest first. */
  health: Map<string, MemberHealth[]>;
  feed: FeedState | { connected: false; retryInMs: 0; why: 'connecting' };
  error: string | null;
  /** Moves with every applied batch. */
  version: number;
}

export function useLiveTopology(onUnauthorized: () => void): LiveTopology {
  const [state, setState] = useState<LiveTopology>({ model: null, events: [], health: new Map(), feed: { connected: false, retryInMs: 0, why: 'connecting' }, error: null, version: 0 });
  useEffect(() => {
    let stop = () => {};
    let cancelled = false;
    let frame = 0;
    const queue: (() => void)[] = [];
    const events: TopologyEvent[] = [];
    const health = new Map<string, MemberHealth[]>();
    let model: TopologyModel | null = null;
    let feed: LiveTopology['feed'] = { connected: false, retryInMs: 0, why: 'connecting' };
    const publish = () => {
      frame = 0;
      for (const change of queue.splice(0)) change();
      for (const id of model?.takeUnsummarised() ?? []) {
        request<ApplicationRuntime>('GET', `/applications/${encodeURIComponent(id)}/runtime`).then((runtime) => later(() => model!.mergeSummary(runtime)), () => undefined);
      }
      if (events.length > RECENT_EVENTS) events.splice(0, events.length - RECENT_EVENTS);
      setState({ model, events: events.slice(), health, feed, error: null, version: model?.version ?? 0 });
    };
    const later = (change: () => void) => {
      queue.push(change);
      if (!frame) frame = requestAnimationFrame(publish);
    };
    // A sign-up changes what a tenant's users see (the deployments it signed up to): the tree is read again,
    // from a snapshot at least as new as what the model holds.
    const rescope = async (attempt = 0): Promise<void> => {
      const snapshot = await request<TopologySnapshot>('GET', '/topology').catch(() => null);
      if (cancelled || !snapshot || !model) return;
      if (snapshot.revision < model.revision && attempt < 5) return void setTimeout(() => void rescope(attempt + 1), 500);
      later(() => model!.reset(snapshot));
    };
    // The first snapshot, tried again every 2 s while the platform does not answer (it may be starting).
    const load = async (): Promise<void> => {
      try {
        const snapshot = await request<TopologySnapshot>('GET', '/topology');
        if (cancelled) return;
        model = TopologyModel.from(snapshot);
        publish();
        stop = watchTopology(snapshot.revision, {
          event: (event) =>
            later(() => {
              if (model!.apply(event)) events.push(event);
              if (event.type === 'ApplicationSignUpAdded' || event.type === 'ApplicationSignUpRemoved') void rescope();
            }),
          snapshot: (event) => later(() => model!.reset(event.payload as TopologySnapshot)),
          health: (batch) =>
            later(() => {
              model!.applyHealth(batch);
              for (const { memberId, health: report } of batch.members) {
                const samples = health.get(memberId) ?? [];
                samples.push(report);
                if (samples.length > HEALTH_SAMPLES) samples.shift();
                health.set(memberId, samples);
              }
            }),
          state: (next) => later(() => (feed = next)),
          unauthorized: onUnauthorized,
        }, { health: true });
      } catch (error) {
        if (cancelled || (error as { status?: number }).status === 401) return;
        setState((s) => ({ ...s, error: (error as Error).message }));
        setTimeout(() => void load(), 2000);
      }
    };
    void load();
    return () => {
      cancelled = true;
      stop();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  return state;
}
