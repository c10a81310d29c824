import type { LedgerFieldsFragment } from '../../gql/graphql';
import { formatDateTime, formatDelta } from '../../lib/format';

const REASONS: Record<string, string> = {
  inbound: 'Message received',
  outbound: 'Message sent',
  refund: 'Refund',
  monthly_reset: 'Monthly reset',
  adjustment: 'Adjustment',
};

export function LedgerTable({ entries, fresh }: { entries: LedgerFieldsFragment[]; fresh: Set<string> }) {
  return (
    <table className="table ledger">
      <caption className="sr-only">Credit ledger, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Reason</th>
          <th scope="col" className="num">
            Change
          </th>
          <th scope="col" className="num">
            Balance after
          </th>
          <th scope="col">Note / message</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id} className={fresh.has(e.id) ? 'row--new' : undefined}>
            <td data-label="When">
              <time dateTime={e.createdAt}>{formatDateTime(e.createdAt)}</time>
            </td>
            <td data-label="Reason">{REASONS[e.reason] ?? e.reason}</td>
            <td data-label="Change" className={`num delta ${e.delta < 0 ? 'delta--down' : e.delta > 0 ? 'delta--up' : ''}`}>
              {formatDelta(e.delta)}
            </td>
            <td data-label="Balance after" className="num">
              {e.balanceAfter}
            </td>
            <td data-label="Note / message" className="content-cell">
              {e.note != null ? (
                <bdi>{e.note}</bdi>
              ) : e.messageId ? (
                <code className="wamid">{e.messageId}</code>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
