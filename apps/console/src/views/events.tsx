/**
 * The topology event log: the events since the console opened (the live feed), filterable by
 * type and text; "from revision" reads the stored log from any revision it still holds.
 */
import { useMemo, useState } from 'preact/hooks';
import type { TopologyEvent } from '@stratos/contracts';
import type { LiveTopology } from '../live-topology';
import { watchTopology } from '../event-stream';
import { describeEvent } from './event-text';

const SHOWN = 500;

export function EventsView({ live }: { live: LiveTopology }) {
  const [type, setType] = useState('');
  const [text, setText] = useState('');
  const [from, setFrom] = useState('');
  const [older, setOlder] = useState<TopologyEvent[] | null>(null);
  const source = older ?? live.events;
  const types = useMemo(() => [...new Set(source.map((e) => e.type))].sort(), [source]);
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return source.filter((e) => (!type || e.type === type) && (!needle || describeEvent(e).toLowerCase().includes(needle))).slice(-SHOWN).reverse();
  }, [source, type, text]);
  // The stored log from a revision: read once (up to now), then the live view takes over again when cleared.
  const readFrom = () => {
    const since = Number(from);
    if (!Number.isInteger(since) || since < 0) return;
    const collected: TopologyEvent[] = [];
    const until = live.model?.revision ?? 0;
    const stop = watchTopology(since, {
      event: (e) => {
        collected.push(e);
        if (e.revision >= until) finish();
      },
      snapshot: () => undefined,
      state: () => undefined,
      unauthorized: () => finish(),
    });
    const finish = () => {
      stop();
      setOlder(collected.slice());
    };
    setTimeout(finish, 3000);
  };
  return (
    <section>
      <div class="toolbar">
        <h2>Events</h2>
        <select aria-label="Event type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="">every type</option>
          {types.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <input type="search" aria-label="Filter events" placeholder="Filter (member, cluster, reason…)" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <input aria-label="From revision" placeholder="from revision" size={10} value={from} onInput={(e) => setFrom(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && readFrom()} />
        <button onClick={readFrom}>Read</button>
        {older && <button class="link" onClick={() => setOlder(null)}>back to live</button>}
      </div>
      <p class="muted small">{older ? `${older.length} stored events from revision ${from}` : `${live.events.length} events since the console opened`}; newest first, at most {SHOWN} shown.</p>
      <table class="events">
        <thead><tr><th>Revision</th><th>Time</th><th>Type</th><th>What</th></tr></thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.revision} data-event-type={e.type}>
              <td>{e.revision}</td>
              <td class="small">{new Date(e.timestamp).toLocaleTimeString()}</td>
              <td class="small">{e.type}</td>
              <td>{describeEvent(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
