/**
 * The console's one way to the API: same origin, a bearer token kept for the tab
 * (sessionStorage: gone with the tab, never in a cookie), errors as the API's ErrorBody.
 */
import type { ErrorBody, FieldIssue } from '@stratos/contracts';

const SESSION_KEY = 'stratos.session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldIssue[] = [],
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  username: string;
  /** admin, user, tenant-admin, tenant-user: what the console offers. */
  role: string;
  tenantDomain: string | null;
}

export function currentSession(): Session | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return session && typeof session.token === 'string' ? session : null;
  } catch {
    return null;
  }
}

type SessionListener = (session: Session | null) => void;
const listeners = new Set<SessionListener>();
export function onSessionChange(listener: SessionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function setSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
  listeners.forEach((listener) => listener(session));
}

export async function login(username: string, password: string): Promise<Session> {
  const issued = await request<{ token: string; username: string; role: string; tenantDomain?: string | null }>('POST', '/tokens', { username, password }, { anonymous: true });
  const session: Session = { token: issued.token, username: issued.username, role: issued.role, tenantDomain: issued.tenantDomain ?? null };
  setSession(session);
  return session;
}

/** Logout on the server too (the token stops working), then here. */
export async function logout(): Promise<void> {
  try {
    await request('DELETE', '/tokens/current');
  } catch {
    // already expired or revoked: nothing more to do on the server
  } finally {
    setSession(null);
  }
}

export function authorization(): Record<string, string> {
  const session = currentSession();
  return session ? { Authorization: `Bearer ${session.token}` } : {};
}

/** A request under /api; the body as JSON. A 401 ends the session (the token expired or was revoked). */
export async function request<T = unknown>(method: string, path: string, body?: unknown, options: { anonymous?: boolean; raw?: boolean } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(options.anonymous ? {} : authorization()) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, `the platform does not answer (${(error as Error).message})`);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!response.ok) {
    let error: Partial<ErrorBody> = {};
    try {
      error = JSON.parse(text) as ErrorBody;
    } catch {
      error = { message: text || response.statusText };
    }
    if (response.status === 401 && !options.anonymous) setSession(null);
    throw new ApiError(response.status, error.message ?? response.statusText, error.errors ?? [], error.requestId);
  }
  if (options.raw) return text as T;
  return (text ? JSON.parse(text) : undefined) as T;
}
