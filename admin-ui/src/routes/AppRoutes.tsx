import type { Route } from '../lib/routes';
import { AccountPage } from '../features/account/AccountPage';
import { UsersPage } from '../features/users/UsersPage';
import { UserFrame } from '../features/users/UserFrame';
import { ConversationsPage } from '../features/conversations/ConversationsPage';
import { ThreadPage } from '../features/thread/ThreadPage';
import { CreditsPage } from '../features/credits/CreditsPage';
import { Empty } from '../components/States';
import { Link } from './router';

/** The page of each route (the sign-in page is handled by <App>). */
export function AppRoutes({ route }: { route: Route }) {
  switch (route.name) {
    case 'users':
      return <UsersPage />;
    case 'account':
      return <AccountPage />;
    case 'conversations':
      return (
        <UserFrame key={route.userId} userId={route.userId} tab="conversations">
          <ConversationsPage key={route.userId} userId={route.userId} />
        </UserFrame>
      );
    case 'thread':
      return (
        <UserFrame key={route.userId} userId={route.userId} tab="conversations">
          <ThreadPage key={`${route.userId}/${route.contact}`} userId={route.userId} contact={route.contact} />
        </UserFrame>
      );
    case 'credits':
      return (
        <UserFrame key={route.userId} userId={route.userId} tab="credits">
          <CreditsPage key={route.userId} userId={route.userId} />
        </UserFrame>
      );
    default:
      return (
        <section className="page">
          <h1>Page not found</h1>
          <Empty>
            There is nothing here. <Link to="/users">Go to the users</Link>.
          </Empty>
        </section>
      );
  }
}
