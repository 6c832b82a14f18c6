import { useState } from 'preact/hooks';
import { ApiError, login } from '../api';
import { ErrorView } from './parts';

/** Log in as a platform user (admin) or a tenant's (user@domain). */
export function Login() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
    } catch (failure) {
      setError(failure as Error);
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-label="Log in">
        <h1>Stratos</h1>
        <p class="muted">Operators log in with their user; a tenant's users as <code>user@domain</code>.</p>
        <label>
          User
          <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        <ErrorView error={error} />
      </form>
    </main>
  );
}
