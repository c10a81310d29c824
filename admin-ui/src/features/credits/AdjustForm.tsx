// An admin's adjustment of a balance, with the reason kept in the ledger.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { AdjustCreditsMutation } from '../../api/operations';
import { parseDelta } from '../../lib/creditDelta';
import { describeError } from '../../lib/errors';

interface Adjusted {
  balance: number;
  monthlyAllowance: number;
  period: string;
}

export function AdjustForm({ userId, onAdjusted }: { userId: string; onAdjusted: (credits: Adjusted) => void }) {
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'done'; text: string } | null>(null);
  const [{ fetching }, adjust] = useMutation(AdjustCreditsMutation);
  const parsed = parseDelta(delta);
  const amount = 'delta' in parsed ? parsed.delta : null;
  const problem = 'problem' in parsed ? parsed.problem : null;
  const valid = amount !== null && reason.trim() !== '';

  /** A field's setter that also clears the last outcome, which was about the previous input. */
  const editing = (set: (value: string) => void) => (value: string) => {
    set(value);
    setMessage(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    const result = await adjust({ userId, delta: amount, reason: reason.trim() });
    if (result.error || !result.data) {
      setMessage({ kind: 'error', text: describeError(result.error) });
      return;
    }
    const credits = result.data.adjustCredits;
    setMessage({ kind: 'done', text: `Adjusted by ${amount > 0 ? '+' : ''}${amount}; the balance is now ${credits.balance}.` });
    setDelta('');
    setReason('');
    onAdjusted(credits);
  };

  return (
    <form className="card adjust" onSubmit={submit} aria-labelledby="adjust-title">
      <h3 id="adjust-title" className="section-title">
        Adjust the balance
      </h3>
      <div className="adjust__fields">
        <label className="field">
          <span>Change (e.g. 10 or -5)</span>
          <input
            name="delta"
            type="text"
            autoComplete="off"
            required
            value={delta}
            onChange={(e) => editing(setDelta)(e.target.value)}
            aria-invalid={problem !== null}
            aria-describedby={problem ? 'delta-problem' : undefined}
          />
        </label>
        <label className="field field--grow">
          <span>Reason</span>
          <input
            name="reason"
            required
            maxLength={500}
            value={reason}
            onChange={(e) => editing(setReason)(e.target.value)}
            placeholder="Shown in the ledger"
          />
        </label>
        <button type="submit" className="button button--primary" disabled={!valid || fetching}>
          {fetching ? 'Saving…' : 'Apply'}
        </button>
      </div>
      {problem && (
        <p id="delta-problem" className="form-error">
          {problem}
        </p>
      )}
      {message && (
        <p className={message.kind === 'error' ? 'form-error' : 'notice'} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}
