// The frame of every signed-in page: a skip link, the header (navigation, live state,
// sign-out) and the main region.
import type { ReactNode } from 'react';
import { endSession } from '../api/session';
import { useLiveState } from '../api/live';
import type { Session } from '../lib/session';
import { formatPhone } from '../lib/format';
import { paths } from '../lib/routes';
import { Link } from '../routes/router';

const LIVE_TEXT = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…' } as const;

export function Layout({ session, children }: { session: Session; children: ReactNode }) {
  const live = useLiveState();
  const admin = session.user.role === 'ADMIN';
  const home = admin ? paths.users() : paths.conversations(session.user.id);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to={home} className="brand">
          wagate <span className="brand__sub">{admin ? 'admin' : 'messages'}</span>
        </Link>
        <nav aria-label="Main">
          <Link to={home}>{admin ? 'Users' : 'My messages'}</Link>
        </nav>
        <span className={`live live--${live}`} role="status" data-live={live} title="Updates from the server">
          <span className="live__dot" aria-hidden="true" />
          <span className="live__text">{LIVE_TEXT[live]}</span>
        </span>
        <Link to="/account" className="app-header__who" title="Your account">
          {session.user.name?.trim() || formatPhone(session.user.phone) || 'Your account'}
        </Link>
        <button type="button" className="button button--quiet" onClick={() => endSession('signed-out')}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
