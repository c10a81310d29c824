// A user's credits: balance, allowance, period, the ledger (by cursor), and an admin
// adjustment with a reason. Balance changes arrive live.
import { useCallback, useState } from 'react';
import { useClient } from 'urql';
import { CreditsQuery } from '../../api/operations';
import { useCreditsEvents } from '../../api/events';
import type { LedgerFieldsFragment } from '../../gql/graphql';
import { usePagedList, type PageResult } from '../../components/usePagedList';
import { Empty, ErrorNotice, Loading, Updating } from '../../components/States';
import { refreshLedger } from '../../lib/ledger';
import { AdjustForm } from './AdjustForm';
import { LedgerTable } from './LedgerTable';

const PAGE_SIZE = 25;

interface Summary {
  balance: number;
  monthlyAllowance: number;
  period: string;
}

export function CreditsPage({ userId }: { userId: string }) {
  const client = useClient();
  const [summary, setSummary] = useState<Summary | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());

  const fetchPage = useCallback(
    async (after: string | null): Promise<PageResult<LedgerFieldsFragment>> => {
      const result = await client
        .query(CreditsQuery, { userId, first: PAGE_SIZE, after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (!result.data) return { error: result.error ?? { message: 'No data' } };
      const { balance, monthlyAllowance, period, ledger } = result.data.credits;
      if (after === null) setSummary({ balance, monthlyAllowance, period });
      return { page: ledger };
    },
    [client, userId],
  );
  const ledger = usePagedList(
    fetchPage,
    (items, page) => [...items, ...page.filter((e) => !items.some((i) => i.id === e.id))],
    refreshLedger,
  );

  useCreditsEvents(
    userId,
    (change) => {
      setSummary((s) => (s ? { ...s, balance: change.balance, period: change.entry.period } : s));
      ledger.update((items) => (items.some((e) => e.id === change.entry.id) ? items : [change.entry, ...items]));
      setFresh((f) => new Set(f).add(change.entry.id));
    },
    ledger.refresh,
  );

  return (
    <section className="page credits" aria-labelledby="credits-title">
      <h2 id="credits-title" className="section-title">
        Credits
      </h2>
      {summary && (
        <dl className="summary">
          <div>
            <dt>Balance</dt>
            <dd data-testid="credits-balance">{summary.balance}</dd>
          </div>
          <div>
            <dt>Monthly allowance</dt>
            <dd>{summary.monthlyAllowance}</dd>
          </div>
          <div>
            <dt>Period</dt>
            <dd>{summary.period}</dd>
          </div>
        </dl>
      )}
      <AdjustForm
        userId={userId}
        onAdjusted={(credits) => {
          setSummary(credits);
          ledger.reload();
        }}
      />
      <h3 className="section-title">Ledger</h3>
      <Updating active={ledger.status === 'refreshing'} />
      {ledger.status === 'loading' && <Loading label="Loading the ledger…" />}
      {ledger.status === 'error' && ledger.items.length === 0 && <ErrorNotice message={ledger.error ?? ''} onRetry={ledger.reload} />}
      {ledger.status !== 'loading' && ledger.status !== 'error' && ledger.items.length === 0 && <Empty>No credit movements yet.</Empty>}
      {ledger.status !== 'loading' && ledger.items.length > 0 && (
        <>
          <div className="table-wrap">
            <LedgerTable entries={ledger.items} fresh={fresh} />
          </div>
          {ledger.status === 'error' && <ErrorNotice message={ledger.error ?? ''} onRetry={ledger.loadMore} />}
          {ledger.hasMore && (
            <button
              type="button"
              className="button load-more"
              onClick={ledger.loadMore}
              disabled={ledger.status === 'more' || ledger.status === 'refreshing'}
            >
              {ledger.status === 'more' ? 'Loading…' : 'Load more entries'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
