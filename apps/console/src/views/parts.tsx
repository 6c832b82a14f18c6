/** Small pieces every view uses: an API error with its pointers, a state badge, a sparkline, a table. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export function ErrorView({ error }: { error: Error | null }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert">
      <strong>{api && api.status ? `${api.status}: ` : ''}{error.message}</strong>
      {api && api.errors.length > 0 && (
        <ul>
          {api.errors.map((issue) => (
            <li key={issue.path + issue.message}>
              <code>{issue.path || '/'}</code> {issue.message}
              {issue.allowed && <span class="muted"> (allowed: {issue.allowed.map((a) => JSON.stringify(a)).join(', ')})</span>}
            </li>
          ))}
        </ul>
      )}
      {api?.requestId && <div class="muted small">request {api.requestId}</div>}
    </div>
  );
}

export function State({ value }: { value: string }) {
  return <span class={`state state-${value.toLowerCase().replace(/[^a-z]/g, '')}`} data-state={value}>{value}</span>;
}

/** A small line chart of the last values (health: load, memory, requests in flight). */
export function Sparkline({ values, label, format = (v) => v.toFixed(2) }: { values: number[]; label: string; format?: (v: number) => string }) {
  if (values.length === 0) return <span class="muted small">{label}: no report yet</span>;
  const width = 120;
  const height = 24;
  const max = Math.max(...values, 1e-9);
  const points = values.map((v, i) => `${values.length === 1 ? width : (i / (values.length - 1)) * width},${height - (v / max) * (height - 2) - 1}`).join(' ');
  return (
    <span class="spark" title={`${label}: ${values.map(format).join(', ')}`}>
      <span class="small">{label} <strong>{format(values.at(-1)!)}</strong></span>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label} over the last ${values.length} reports`}>
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
    </span>
  );
}

export function Table<T>({ rows, columns, empty, onRow, rowKey }: { rows: T[]; columns: { title: string; cell: (row: T) => ComponentChildren }[]; empty: string; onRow?: (row: T) => void; rowKey: (row: T) => string }) {
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table>
      <thead>
        <tr>{columns.map((c) => <th key={c.title}>{c.title}</th>)}</tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} class={onRow ? 'clickable' : undefined} tabIndex={onRow ? 0 : undefined} onClick={onRow ? () => onRow(row) : undefined} onKeyDown={onRow ? (e) => e.key === 'Enter' && onRow(row) : undefined}>
            {columns.map((c) => <td key={c.title}>{c.cell(row)}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const ago = (iso: string) => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`;
};
