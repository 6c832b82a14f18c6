/**
 * Applications: each definition with its deployment's state; deploy (with an application policy)
 * and undeploy, then the operation's timeline — its state, and the topology events it caused, live.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DefinitionView, OperationAccepted, OperationView } from '@stratos/contracts';
import { ApiError, request } from '../api';
import type { LiveTopology } from '../live-topology';
import { describeEvent, eventApplication } from './event-text';
import { ErrorView, State, Table } from './parts';
import { go } from './shell';

interface Operation {
  accepted: OperationAccepted;
  view: OperationView | null;
  sinceRevision: number;
  /** Polls in a row that got no answer. */
  retries?: number;
}

export function ApplicationsView({ live, applicationId }: { live: LiveTopology; applicationId?: string }) {
  const [applications, setApplications] = useState<DefinitionView[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    request<DefinitionView[]>('GET', '/applications?limit=1000').then(setApplications, setError);
  }, []);
  if (applicationId) return <ApplicationView live={live} applicationId={applicationId} />;
  const statusOf = (id: string) => live.model?.applications.get(id)?.status ?? 'not deployed';
  return (
    <section>
      <div class="toolbar"><h2>Applications</h2></div>
      <ErrorView error={error} />
      {applications && (
        <Table
          rows={applications}
          rowKey={(a) => String(a.applicationId)}
          empty="No applications yet: add one under Definitions, or import a Stratos folder (stratos import)."
          onRow={(a) => go('applications', String(a.applicationId))}
          columns={[
            { title: 'Application', cell: (a) => <strong>{String(a.applicationId)}</strong> },
            { title: 'Name', cell: (a) => String(a.name ?? '') },
            { title: 'Multi-tenant', cell: (a) => (a.multiTenant ? 'yes' : 'no') },
            { title: 'Deployment', cell: (a) => <State value={statusOf(String(a.applicationId))} /> },
          ]}
        />
      )}
    </section>
  );
}

function ApplicationView({ live, applicationId }: { live: LiveTopology; applicationId: string }) {
  const [policies, setPolicies] = useState<string[]>([]);
  const [policy, setPolicy] = useState('');
  const [operation, setOperation] = useState<Operation | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const deployment = live.model?.applications.get(applicationId);
  useEffect(() => {
    request<DefinitionView[]>('GET', '/applicationPolicies?limit=1000').then((list) => {
      const ids = list.map((p) => String(p.id));
      setPolicies(ids);
      setPolicy((current) => current || ids[0] || '');
    }, setError);
  }, []);
  // The operation's own state, asked for until it ends; its events come from the live feed.
  useEffect(() => {
    if (!operation || operation.view?.status === 'succeeded' || operation.view?.status === 'failed') return;
    const timer = setTimeout(() => {
      request<OperationView>('GET', `/operations/${encodeURIComponent(operation.accepted.operationId)}`).then(
        (view) => {
          setError(null);
          setOperation({ ...operation, view, retries: 0 });
        },
        (failure: Error) => {
          setError(failure);
          // No answer (a dropped connection, the platform restarting): asked again, not given up on.
          if (failure instanceof ApiError && failure.status === 0) setOperation({ ...operation, retries: (operation.retries ?? 0) + 1 });
        },
      );
    }, operation.retries ? 2000 : operation.view ? 1000 : 200);
    return () => clearTimeout(timer);
  }, [operation]);
  const start = async (what: 'deploy' | 'undeploy') => {
    setError(null);
    try {
      const sinceRevision = live.model?.revision ?? 0;
      const path = what === 'deploy' ? `/applications/${encodeURIComponent(applicationId)}/deploy/${encodeURIComponent(policy)}` : `/applications/${encodeURIComponent(applicationId)}/undeploy`;
      const accepted = await request<OperationAccepted>('POST', path);
      setOperation({ accepted, view: null, sinceRevision });
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const timeline = operation ? live.events.filter((e) => e.revision > operation.sinceRevision && eventApplication(e) === applicationId) : [];
  const running = operation && operation.view?.status !== 'succeeded' && operation.view?.status !== 'failed';
  return (
    <section>
      <div class="toolbar">
        <a href="#/applications">Applications</a> / <h2>{applicationId}</h2>
        <State value={deployment?.status ?? 'not deployed'} />
      </div>
      <div class="actions">
        <label>
          Application policy{' '}
          <select aria-label="Application policy" value={policy} onChange={(e) => setPolicy(e.currentTarget.value)}>
            {policies.map((id) => <option key={id} value={id}>{id}</option>)}
          </select>
        </label>
        <button onClick={() => void start('deploy')} disabled={!policy || !!running || !!deployment}>Deploy</button>
        <button class="danger" onClick={() => void start('undeploy')} disabled={!deployment || !!running}>Undeploy</button>
        {deployment && <a href="#/runtime">its members →</a>}
      </div>
      <ErrorView error={error} />
      {operation && (
        <div class="operation" data-operation={operation.accepted.operationId} data-status={operation.view?.status ?? 'running'}>
          <h3>Operation <code>{operation.accepted.operationId}</code> <State value={operation.view?.status ?? 'running'} /></h3>
          {operation.accepted.warnings?.map((w) => <p class="warn" key={w}>{w}</p>)}
          {operation.view && <p>{operation.view.message}{operation.view.finishedAt && <span class="muted"> · took {((Date.parse(operation.view.finishedAt) - Date.parse(operation.view.startedAt)) / 1000).toFixed(1)} s</span>}</p>}
          <ol class="timeline">
            {timeline.map((e) => (
              <li key={e.revision}>
                <span class="muted small">+{((Date.parse(e.timestamp) - Date.parse(operation.view?.startedAt ?? timeline[0].timestamp)) / 1000).toFixed(1)} s</span> {describeEvent(e)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
