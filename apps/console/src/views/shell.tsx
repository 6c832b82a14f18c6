/** The frame around every view: navigation, who is logged in, the feed's state, the theme. */
import { useEffect, useState } from 'preact/hooks';
import { logout, type Session } from '../api';
import { useLiveTopology } from '../live-topology';
import { ApplicationsView } from './applications';
import { DefinitionsView } from './definitions';
import { EventsView } from './events';
import { RegionsView } from './regions';
import { RuntimeView } from './runtime';
import { SignUpsView } from './signups';

/** The route, from the location's hash: #/runtime/<member>, #/definitions/<kind>/<id>, … */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export const go = (...parts: string[]) => (location.hash = `#/${parts.map(encodeURIComponent).join('/')}`);

type Theme = 'auto' | 'light' | 'dark';
function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(((localStorage.getItem('stratos.theme') as Theme) || 'auto'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('stratos.theme', theme);
  }, [theme]);
  return [theme, setTheme];
}

export function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  const live = useLiveTopology(() => void logout());
  const operator = session.tenantDomain === null;
  const section = route[0] ?? (operator ? 'runtime' : 'signups');
  const sections: [string, string][] = operator
    ? [['runtime', 'Runtime'], ['applications', 'Applications'], ['definitions', 'Definitions'], ['regions', 'Regions'], ['events', 'Events']]
    : [['signups', 'Sign-ups'], ['runtime', 'My members'], ['events', 'Events']];
  return (
    <div class="shell">
      <header>
        <span class="brand">Stratos</span>
        <nav aria-label="Sections">
          {sections.map(([id, title]) => (
            <a key={id} href={`#/${id}`} aria-current={section === id ? 'page' : undefined}>{title}</a>
          ))}
        </nav>
        <span class="spacer" />
        <span class={`feed ${live.feed.connected ? 'feed-live' : 'feed-down'}`} role="status" data-feed={live.feed.connected ? 'live' : 'down'}>
          {live.feed.connected ? `live · revision ${live.model?.revision ?? '…'}` : live.feed.why === 'connecting' ? 'connecting…' : `reconnecting in ${Math.round(live.feed.retryInMs / 1000)} s (${live.feed.why})`}
        </span>
        <select aria-label="Theme" value={theme} onChange={(e) => setTheme(e.currentTarget.value as Theme)}>
          <option value="auto">auto</option>
          <option value="light">light</option>
          <option value="dark">dark</option>
        </select>
        <span class="user" title={session.role}>{session.username}{session.tenantDomain ? '' : ` (${session.role})`}</span>
        <button class="link" onClick={onLogout}>Log out</button>
      </header>
      <main>
        {live.error && !live.model && <div class="error" role="alert">The platform does not answer: {live.error}. Trying again…</div>}
        {section === 'runtime' && <RuntimeView live={live} memberId={route[1]} />}
        {section === 'applications' && operator && <ApplicationsView live={live} applicationId={route[1]} />}
        {section === 'definitions' && operator && <DefinitionsView kind={route[1]} id={route[2]} />}
        {section === 'events' && <EventsView live={live} />}
        {section === 'regions' && operator && <RegionsView live={live} />}
        {section === 'signups' && !operator && <SignUpsView session={session} live={live} />}
      </main>
    </div>
  );
}
