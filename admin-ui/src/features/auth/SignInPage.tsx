// Sign-in with an email address or phone number and a password (the `login` mutation).
import { useMemo, useState, type FormEvent } from 'react';
import { createAnonymousClient } from '../../api/client';
import { LoginMutation } from '../../api/operations';
import { startSession, type EndReason } from '../../api/session';
import { describeError, errorCode } from '../../lib/errors';

const ENDED: Record<Exclude<EndReason, null>, string> = {
  'signed-out': 'You are signed out.',
  expired: 'Your session has expired. Please sign in again.',
  'password-changed': 'Your password is changed. Sign in with the new one.',
};

export function SignInPage({ ended }: { ended: EndReason }) {
  const client = useMemo(createAnonymousClient, []);
  const [identifier, setIdentifier] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await client.mutation(LoginMutation, { identifier: identifier.trim(), password }).toPromise();
    setBusy(false);
    if (result.error || !result.data) {
      const code = errorCode(result.error);
      setError(code === 'UNAUTHENTICATED' ? 'The email, phone number or password is wrong.' : describeError(result.error));
      return;
    }
    const { token, expiresAt, user } = result.data.login;
    startSession({
      token,
      expiresAt,
      identifier: identifier.trim(),
      user: { id: user.id, name: user.name, phone: user.phone, role: user.role },
    });
  };

  return (
    <main id="main" className="sign-in">
      <form className="card sign-in__form" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          wagate <span className="brand__sub">admin</span>
        </h1>
        {ended && !error && (
          <p className="notice" role="status">
            {ENDED[ended]}
          </p>
        )}
        <label className="field">
          <span>Email or phone number</span>
          <input
            name="identifier"
            autoComplete="username"
            required
            value={identifier}
            onChange={(e) => setIdentifier(e.target.value)}
            autoFocus
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">The first admin's one-time password is printed in the server's log at its first start.</p>
      </form>
    </main>
  );
}
