/** The console: served by the stratos-manager at /, speaking only its API under /api. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, logout, onSessionChange, type Session } from './api';
import { Login } from './views/login';
import { Shell } from './views/shell';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | null>(currentSession());
  useEffect(() => onSessionChange(setSession), []);
  return session ? <Shell session={session} onLogout={() => void logout()} /> : <Login />;
}

render(<App />, document.getElementById('app')!);
