/**
 * Import a Stratos folder, as `stratos import` does and through the same endpoint (POST
 * /api/import): a zip as it is, or a folder (or several files) zipped here first; the rows come
 * back as the server posts each file, in the CLI's result table.
 */
import { useState } from 'preact/hooks';
import { zipSync, type Zippable } from 'fflate';
import type { ImportProgress, ImportResult, ImportRow } from '@stratos/contracts';
import { ApiError, authorization } from '../api';
import { ErrorView, State, Table } from './parts';

type Failed = { type: 'failed'; error: { statusCode: number; message: string } };

/** A folder picked in the browser (webkitRelativePath keeps its paths) or loose files, as one zip. */
async function zipOf(files: File[]): Promise<Uint8Array> {
  const entries: Zippable = {};
  for (const file of files) entries[file.webkitRelativePath || file.name] = new Uint8Array(await file.arrayBuffer());
  return zipSync(entries, { level: 6 });
}

export function ImportView() {
  const [files, setFiles] = useState<File[]>([]);
  const [iaas, setIaas] = useState('local');
  const [strict, setStrict] = useState(false);
  const [rows, setRows] = useState<ImportRow[]>([]);
  const [planned, setPlanned] = useState<{ total: number; notes: string[] } | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    setError(null);
    setRows([]);
    setPlanned(null);
    setResult(null);
    try {
      const zipped = files.length === 1 && /\.zip$/i.test(files[0].name) ? new Uint8Array(await files[0].arrayBuffer()) : await zipOf(files);
      const response = await fetch(`/api/import?${new URLSearchParams({ iaas, ...(strict ? { strict: 'true' } : {}) })}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/zip', Accept: 'application/x-ndjson', ...authorization() },
        body: new Blob([zipped as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
      });
      if (!response.ok || !response.body) {
        const body = await response.json().catch(() => ({ message: response.statusText }));
        throw new ApiError(response.status, body.message, body.errors ?? [], body.requestId);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let pending = '';
      const seen: ImportRow[] = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += value;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines.filter((l) => l.trim())) {
          const progress = JSON.parse(line) as ImportProgress | Failed;
          if (progress.type === 'planned') setPlanned(progress);
          else if (progress.type === 'row') setRows((seen.push(progress.row), seen.slice()));
          else if (progress.type === 'done') setResult(progress.result);
          else throw new ApiError(progress.error.statusCode, `the import stopped: ${progress.error.message}`);
        }
      }
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <div class="toolbar"><h2>Import a Stratos folder</h2></div>
      <p class="muted">A folder laid out as Stratos's <code>samples/</code> (policies, partitions, cartridges with their bundles, groups, applications): posted in Stratos's order, as <code>stratos import</code> does. What exists already is skipped.</p>
      <div class="actions">
        <label>Zip <input type="file" accept=".zip,application/zip" aria-label="A zip of the folder" onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} /></label>
        <label>or folder <input type="file" aria-label="The folder" {...{ webkitdirectory: '', directory: '' }} onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} /></label>
      </div>
      <div class="actions">
        <label>
          Flavour{' '}
          <select aria-label="Flavour" value={iaas} onChange={(e) => setIaas(e.currentTarget.value)}>
            {['local', 'docker', 'swarm', 'mock'].map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
        </label>
        <label><input type="checkbox" checked={strict} onChange={(e) => setStrict(e.currentTarget.checked)} /> warnings are errors</label>
        <button onClick={() => void run()} disabled={busy || files.length === 0}>{busy ? `Importing… ${rows.length}/${planned?.total ?? '?'}` : `Import${files.length ? ` (${files.length} file${files.length > 1 ? 's' : ''})` : ''}`}</button>
      </div>
      {busy && planned && <progress max={planned.total} value={rows.length} aria-label="Import progress" />}
      {planned?.notes.map((note) => <p class="muted small" key={note}>note: {note}</p>)}
      <ErrorView error={error} />
      {result && <p role="status" data-import-summary={`${result.summary.created} created, ${result.summary.skipped} skipped, ${result.summary.refused} refused`}><strong>{result.summary.created} created, {result.summary.skipped} skipped, {result.summary.refused} refused</strong></p>}
      {rows.length > 0 && (
        <Table
          rows={rows}
          rowKey={(r) => r.file}
          empty=""
          columns={[
            { title: 'File', cell: (r) => <code class="small">{r.file}</code> },
            { title: 'Kind', cell: (r) => r.kind },
            { title: 'Id', cell: (r) => r.id },
            { title: 'Result', cell: (r) => <span data-outcome={r.outcome}><State value={r.outcome === 'created' ? 'Active' : r.outcome === 'refused' ? 'Failed' : 'Inactive'} /> {r.outcome}</span> },
            { title: 'Detail', cell: (r) => <span class="small">{r.detail}</span> },
          ]}
        />
      )}
    </section>
  );
}
