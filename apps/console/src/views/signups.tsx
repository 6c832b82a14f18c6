/**
 * A tenant's own page: the multi-tenant applications it may sign up to, its sign-ups (status,
 * repositories — passwords never — and how many members prepared it), its domain mappings. What
 * the API shows a tenant's users, and nothing of another tenant's.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DefinitionView, DomainMappingView, SignUpView } from '@stratos/contracts';
import { ApiError, request, type Session } from '../api';
import type { LiveTopology } from '../live-topology';
import { cartridgeTypesOf } from '../offered-applications';
import { ErrorView, State } from './parts';

interface Entry {
  application: DefinitionView;
  signUp: SignUpView | null;
  mappings: DomainMappingView[];
}

const orNull = <T,>(promise: Promise<T>): Promise<T | null> => promise.catch((error) => (error instanceof ApiError && error.status === 404 ? null : Promise.reject(error)));

export function SignUpsView({ session, live }: { session: Session; live: LiveTopology }) {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [reload, setReload] = useState(0);
  const admin = session.role === 'tenant-admin';
  // Read again when a sign-up of this tenant changed (its members prepared it: Pending → Active).
  const signUpEvents = live.events.filter((e) => e.type.startsWith('ApplicationSignUp')).length;
  useEffect(() => {
    void (async () => {
      try {
        // Offered: an application with a multi-tenant cartridge among its subscriptions (what a sign-up needs).
        const [all, cartridges] = await Promise.all([request<DefinitionView[]>('GET', '/applications?limit=1000'), request<{ type: string; multiTenant?: boolean }[]>('GET', '/cartridges?limit=1000')]);
        const multiTenant = new Set(cartridges.filter((c) => c.multiTenant).map((c) => c.type));
        const applications = all.filter((a) => cartridgeTypesOf(a.components).some((type) => multiTenant.has(type)));
        setEntries(
          await Promise.all(
            applications.map(async (application) => {
              const id = encodeURIComponent(String(application.applicationId));
              const signUp = await orNull(request<SignUpView>('GET', `/applications/${id}/signup`));
              const mappings = signUp ? ((await orNull(request<DomainMappingView[]>('GET', `/applications/${id}/domainMappings`))) ?? []) : [];
              return { application, signUp, mappings };
            }),
          ),
        );
      } catch (failure) {
        setError(failure as Error);
      }
    })();
  }, [reload, signUpEvents]);
  return (
    <section>
      <div class="toolbar">
        <h2>Sign-ups of {session.tenantDomain}</h2>
        {!admin && <span class="muted small">(your tenant's admin signs up and maps domains; you see them)</span>}
      </div>
      <ErrorView error={error} />
      {entries?.length === 0 && <p class="muted">No multi-tenant application is offered yet.</p>}
      {entries?.map((entry) => <SignUpCard key={String(entry.application.applicationId)} entry={entry} admin={admin} changed={() => setReload((n) => n + 1)} />)}
    </section>
  );
}

function SignUpCard({ entry, admin, changed }: { entry: Entry; admin: boolean; changed: () => void }) {
  const id = String(entry.application.applicationId);
  const path = `/applications/${encodeURIComponent(id)}`;
  const [repositories, setRepositories] = useState('[]');
  const [domain, setDomain] = useState('');
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
      changed();
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const signUp = entry.signUp;
  return (
    <article class="card" data-signup-application={id} data-signup-status={signUp?.status ?? 'none'}>
      <h3>{id} {signUp ? <State value={signUp.status} /> : <span class="muted small">not signed up</span>}</h3>
      {entry.application.description ? <p class="muted">{String(entry.application.description)}</p> : null}
      {signUp && (
        <>
          <p class="small">
            {signUp.clusters.map((c) => `${c.alias}: ${c.prepared} of ${c.activeMembers} members prepared${c.failed ? `, ${c.failed} failed` : ''}`).join(' · ')}
          </p>
          {signUp.problems.map((p) => <p class="warn small" key={p.memberId}>{p.memberId}: {p.message}</p>)}
          {signUp.artifactRepositories.length > 0 && (
            <ul class="small">
              {signUp.artifactRepositories.map((r) => <li key={r.alias}><code>{r.alias}</code> ← {r.repoUrl}{r.repoUsername ? ` (as ${r.repoUsername})` : ''}</li>)}
            </ul>
          )}
          <h4>Domains</h4>
          {entry.mappings.length === 0 && <p class="muted small">None mapped.</p>}
          <ul>
            {entry.mappings.map((m) => (
              <li key={m.domainName} data-domain={m.domainName}>
                <code>{m.domainName}</code> → {m.cartridgeAlias}{m.contextPath && m.contextPath !== '/' ? m.contextPath : ''}
                {admin && <button class="link" onClick={() => void act(() => request('DELETE', `${path}/domainMappings/${encodeURIComponent(m.domainName)}`))}>remove</button>}
              </li>
            ))}
          </ul>
          {admin && (
            <div class="actions">
              <input aria-label={`Domain for ${id}`} placeholder="www.example.com" value={domain} onInput={(e) => setDomain(e.currentTarget.value)} />
              <input aria-label={`Cartridge alias for ${id}`} placeholder="cartridge alias" value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
              <button onClick={() => void act(async () => {
                await request('POST', `${path}/domainMappings`, { domainMappings: [{ cartridgeAlias: alias, domainName: domain }] });
                setDomain('');
              })} disabled={!domain || !alias}>Map domain</button>
            </div>
          )}
        </>
      )}
      {admin && !signUp && (
        <div class="actions">
          <label class="grow">
            Artifact repositories (JSON: <code>[{'{'}"alias", "repoUrl"{'}'}]</code>)
            <textarea aria-label={`Repositories for ${id}`} rows={3} value={repositories} onInput={(e) => setRepositories(e.currentTarget.value)} />
          </label>
          <button onClick={() => void act(async () => request('POST', `${path}/signup`, { artifactRepositories: JSON.parse(repositories) }))}>Sign up</button>
        </div>
      )}
      {admin && signUp && <button class="danger" onClick={() => void act(() => request('DELETE', `${path}/signup`))}>Remove sign-up</button>}
      <ErrorView error={error} />
    </article>
  );
}
