/**
 * Definitions of every kind: listed, viewed, added and edited as JSON. The server validates (its
 * own JSON Schemas and checks); its errors and warnings are shown at their JSON pointers, on the
 * lines that hold them. A text that is not JSON is refused here, at its line, before any request.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { definitionKindNames, type FieldIssue } from '@stratos/contracts';
import { ApiError, request } from '../api';
import { jsonLocations } from '../json-locations';
import { ImportView } from './import';
import { ErrorView, State, Table } from './parts';
import { go } from './shell';

interface Kind {
  restPath: string;
  label: string;
  plural: string;
  idKey: string;
}
const KINDS: Kind[] = [
  { restPath: 'cartridges', label: 'cartridge', plural: 'cartridges', idKey: 'type' },
  ...Object.values(definitionKindNames).map(({ restPath, label, plural, idKey }) => ({ restPath, label, plural, idKey })),
];
const NEW = '+new';
const IMPORT = 'import';

export function DefinitionsView({ kind: kindPath, id }: { kind?: string; id?: string }) {
  const kind = KINDS.find((k) => k.restPath === kindPath) ?? KINDS[0];
  return (
    <section class="definitions">
      <nav class="tabs" aria-label="Kinds of definition">
        {KINDS.map((k) => (
          <a key={k.restPath} href={`#/definitions/${k.restPath}`} aria-current={k === kind && kindPath !== IMPORT ? 'page' : undefined}>{k.plural}</a>
        ))}
        <a href={`#/definitions/${IMPORT}`} aria-current={kindPath === IMPORT ? 'page' : undefined}>import a folder</a>
      </nav>
      {kindPath === IMPORT ? <ImportView /> : id ? <DefinitionEditor key={`${kind.restPath}/${id}`} kind={kind} id={id} /> : <DefinitionList key={kind.restPath} kind={kind} />}
    </section>
  );
}

function DefinitionList({ kind }: { kind: Kind }) {
  const [items, setItems] = useState<Record<string, unknown>[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    request<Record<string, unknown>[]>('GET', `/${kind.restPath}?limit=1000`).then(setItems, setError);
  }, []);
  const extra = (item: Record<string, unknown>) =>
    kind.restPath === 'cartridges' ? `${item.category ?? ''} · ${((item.iaasProvider as { type: string }[] | undefined) ?? []).map((p) => p.type).join(', ')}` : String(item.description ?? item.name ?? item.alias ?? '');
  return (
    <>
      <div class="toolbar">
        <h2>{kind.plural[0].toUpperCase() + kind.plural.slice(1)}</h2>
        <button onClick={() => go('definitions', kind.restPath, NEW)}>Add {kind.label}</button>
      </div>
      <ErrorView error={error} />
      {items && (
        <Table
          rows={items}
          rowKey={(item) => String(item[kind.idKey])}
          empty={`No ${kind.plural} yet.`}
          onRow={(item) => go('definitions', kind.restPath, String(item[kind.idKey]))}
          columns={[
            { title: kind.idKey, cell: (item) => <strong>{String(item[kind.idKey])}</strong> },
            { title: '', cell: extra },
            { title: 'Updated', cell: (item) => <span class="muted small">{String((item.status as { updatedAt?: string } | undefined)?.updatedAt ?? '')}</span> },
          ]}
        />
      )}
    </>
  );
}

/** The lines an issue's pointer (or, where the pointer names what is missing, its nearest parent) is on. */
function linesOf(text: string, issues: FieldIssue[]): Map<number, FieldIssue[]> {
  const { lines } = jsonLocations(text);
  const byLine = new Map<number, FieldIssue[]>();
  for (const issue of issues) {
    let pointer = issue.path.startsWith('/') ? issue.path : '';
    while (pointer && !lines.has(pointer)) pointer = pointer.slice(0, pointer.lastIndexOf('/'));
    const line = lines.get(pointer) ?? 1;
    byLine.set(line, [...(byLine.get(line) ?? []), issue]);
  }
  return byLine;
}

function DefinitionEditor({ kind, id }: { kind: Kind; id: string }) {
  const creating = id === NEW;
  const [text, setText] = useState(creating ? '{\n  \n}' : '');
  const [status, setStatus] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [warnings, setWarnings] = useState<FieldIssue[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Until the definition arrives there is nothing to edit: an empty editor could be saved, or read, as the definition.
  const [loaded, setLoaded] = useState(creating);
  useEffect(() => {
    if (creating) return;
    request<Record<string, unknown>>('GET', `/${kind.restPath}/${encodeURIComponent(id)}`).then(({ status: s, ...definition }) => {
      setStatus((s as Record<string, unknown>) ?? null);
      setText(JSON.stringify(definition, null, 2));
      setLoaded(true);
    }, setError);
  }, []);
  const syntax = useMemo(() => jsonLocations(text).syntaxError, [text]);
  const issues = error instanceof ApiError ? error.errors : [];
  const marks = useMemo(() => linesOf(text, [...issues, ...warnings]), [text, issues, warnings]);
  const save = async () => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      const result = creating
        ? await request<Record<string, any>>('POST', `/${kind.restPath}`, body)
        : await request<Record<string, any>>('PUT', `/${kind.restPath}/${encodeURIComponent(id)}`, body);
      setWarnings(result?.warnings ?? []);
      setSaved(creating ? 'added' : 'saved');
      if (creating) go('definitions', kind.restPath, String(body[kind.idKey]));
    } catch (failure) {
      setError(failure as Error);
      setWarnings([]);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!confirm(`Remove the ${kind.label} ${id}?`)) return;
    try {
      await request('DELETE', `/${kind.restPath}/${encodeURIComponent(id)}`);
      go('definitions', kind.restPath);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const lineCount = text.split('\n').length;
  if (!loaded) return error ? <ErrorView error={error} /> : <p class="muted">Loading {kind.label} {id}…</p>;
  return (
    <>
      <div class="toolbar">
        <a href={`#/definitions/${kind.restPath}`}>{kind.plural}</a> / <h2>{creating ? `new ${kind.label}` : id}</h2>
        {status && <span class="muted small">generation {String(status.generation ?? '')} · updated {String(status.updatedAt ?? '')}</span>}
        {status && typeof status.state === 'string' && <State value={status.state} />}
      </div>
      <div class="editor" data-testid="definition-editor">
        <div class="gutter" aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} class={marks.has(i + 1) ? (marks.get(i + 1)!.some((m) => issues.includes(m)) ? 'mark-error' : 'mark-warning') : syntax?.line === i + 1 ? 'mark-error' : undefined} title={marks.get(i + 1)?.map((m) => `${m.path}: ${m.message}`).join('\n')}>{i + 1}</div>
          ))}
        </div>
        <textarea aria-label={`${kind.label} as JSON`} spellcheck={false} value={text} rows={Math.min(40, Math.max(12, lineCount + 1))} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      {syntax && <p class="error" role="alert">Not JSON: {syntax.message}</p>}
      <div class="actions">
        <button onClick={() => void save()} disabled={busy || !!syntax}>{creating ? 'Add' : 'Save'}</button>
        {!creating && <button class="danger" onClick={() => void remove()}>Remove</button>}
        {saved && <span class="ok" role="status">{saved}</span>}
      </div>
      <ErrorView error={error} />
      {warnings.length > 0 && (
        <div class="warn" role="status">
          <strong>Warnings</strong>
          <ul>{warnings.map((w) => <li key={w.path + w.message}><code>{w.path || '/'}</code> {w.message}</li>)}</ul>
        </div>
      )}
    </>
  );
}
