// The header of every page about one user: who they are, their balance (live), and the tabs.
// The page below loads at the same time.
import { useState, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { UserQuery } from '../../api/operations';
import { useCreditsEvents } from '../../api/events';
import { ErrorNotice, Loading } from '../../components/States';
import { describeError } from '../../lib/errors';
import { displayName, formatCredits, formatPhone } from '../../lib/format';
import { paths } from '../../lib/routes';
import { Link } from '../../routes/router';

export function UserFrame({ userId, tab, children }: { userId: string; tab: 'conversations' | 'credits'; children: ReactNode }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: UserQuery, variables: { id: userId } });
  const [liveBalance, setLiveBalance] = useState<number | null>(null);
  const retry = () => refetch({ requestPolicy: 'network-only' });
  useCreditsEvents(userId, (change) => setLiveBalance(change.balance), () => {
    setLiveBalance(null);
    retry();
  });

  if (error && !data) return <ErrorNotice message={describeError(error)} onRetry={retry} />;
  const user = data?.user;
  const balance = user ? (liveBalance ?? user.currentMonthCredits) : null;
  return (
    <>
      <div className="user-head">
        <div>
          <p className="crumbs">
            <Link to="/users">Users</Link> <span aria-hidden="true">›</span>
          </p>
          {user && balance !== null ? (
            <>
              <h1 className="user-head__name">
                <bdi>{displayName(user.name, user.phone)}</bdi>
              </h1>
              <p className="user-head__meta">
                <bdi>{formatPhone(user.phone ?? user.businessScopedUserId)}</bdi>
                <span className="sep" aria-hidden="true">·</span>
                <span data-testid="user-balance">
                  {formatCredits(balance, user.monthlyAllowance)} credits ({user.creditsPeriod})
                </span>
              </p>
            </>
          ) : (
            <Loading label={fetching ? 'Loading user…' : ''} />
          )}
        </div>
        <nav className="tabs" aria-label="User">
          <Link to={paths.conversations(userId)} aria-current={tab === 'conversations' ? 'page' : undefined}>
            Messages
          </Link>
          <Link to={paths.credits(userId)} aria-current={tab === 'credits' ? 'page' : undefined}>
            Credits
          </Link>
        </nav>
      </div>
      {children}
    </>
  );
}
