// The signed-in admin's account: replacing the password (the first admin's one-time
// password should be replaced this way). A changed password ends the tokens issued before it,
// this page's among them, so the page signs in again with the new one.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ChangePasswordMutation, LoginMutation } from '../../api/operations';
import { endSession, startSession, useSession } from '../../api/session';
import { describeError, errorCode } from '../../lib/errors';
import { MIN_PASSWORD_LENGTH, isLongEnough } from '../../lib/password';

export function AccountPage() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'done'; text: string } | null>(null);
  const [{ fetching }, change] = useMutation(ChangePasswordMutation);
  const [, signIn] = useMutation(LoginMutation);
  const { session } = useSession();
  const mismatch = repeat !== '' && next !== repeat;
  const longEnough = isLongEnough(next);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!longEnough || mismatch) return;
    const result = await change({ currentPassword: current, newPassword: next });
    if (result.error || !result.data?.changePassword) {
      const wrong = errorCode(result.error) === 'UNAUTHENTICATED' || errorCode(result.error) === 'FORBIDDEN';
      setMessage({ kind: 'error', text: wrong ? 'The current password is wrong.' : describeError(result.error) });
      return;
    }
    const identifier = session?.identifier;
    const again = identifier ? await signIn({ identifier, password: next }) : null;
    if (!identifier || !again?.data) {
      endSession('password-changed');
      return;
    }
    const { token, expiresAt, user } = again.data.login;
    startSession({ token, expiresAt, identifier, user: { id: user.id, name: user.name, phone: user.phone, role: user.role } });
    setCurrent('');
    setNext('');
    setRepeat('');
    setMessage({ kind: 'done', text: 'Your password is changed.' });
  };

  return (
    <section className="page" aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <form className="card account" onSubmit={submit} aria-labelledby="password-title">
        <h2 id="password-title" className="section-title">
          Change your password
        </h2>
        <label className="field">
          <span>Current password</span>
          <input type="password" name="current" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label className="field">
          <span>New password (at least {MIN_PASSWORD_LENGTH} characters)</span>
          <input
            type="password"
            name="new"
            autoComplete="new-password"
            required
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label className="field">
          <span>New password, again</span>
          <input
            type="password"
            name="repeat"
            autoComplete="new-password"
            required
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'repeat-error' : undefined}
          />
        </label>
        {mismatch && (
          <p id="repeat-error" className="form-error">
            The two new passwords differ.
          </p>
        )}
        {message && (
          <p className={message.kind === 'error' ? 'form-error' : 'notice'} role={message.kind === 'error' ? 'alert' : 'status'}>
            {message.text}
          </p>
        )}
        <button type="submit" className="button button--primary" disabled={fetching || !longEnough || mismatch || !current}>
          {fetching ? 'Saving…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
