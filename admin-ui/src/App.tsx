// The composition root: the session decides between the sign-in page and the app; the app
// gets a GraphQL client bound to the session's token.
import { useEffect, useState } from 'react';
import { Provider } from 'urql';
import { createApiClient, type ApiClient } from './api/client';
import { MeQuery } from './api/operations';
import { endSession, useSession } from './api/session';
import { forgetLists } from './lib/listMemory';
import { SignInPage } from './features/auth/SignInPage';
import { Layout } from './components/Layout';
import { AppRoutes } from './routes/AppRoutes';
import { currentPathWithSearch, navigate, useLocation } from './routes/router';
import { matchRoute, paths, redirectFor, safeNext } from './lib/routes';

export function App() {
  const { session, ended } = useSession();
  const location = useLocation();
  const route = matchRoute(location.path);
  const onSignIn = route.name === 'signIn';

  useEffect(() => {
    if (!session && !onSignIn) navigate(paths.signIn(currentPathWithSearch(location)), { replace: true });
    if (session && onSignIn) navigate(safeNext(new URLSearchParams(location.search).get('next')), { replace: true });
    const elsewhere = session && !onSignIn ? redirectFor(route, session.user) : null;
    if (elsewhere) navigate(elsewhere, { replace: true });
  }, [session, onSignIn, location, route]);

  const token = session?.token ?? null;
  const [api, setApi] = useState<ApiClient | null>(null);
  useEffect(() => {
    if (!token) return;
    const created = createApiClient(token, () => endSession('expired'));
    // A token restored from storage may have been revoked (a new JWT secret): ask once, so
    // UNAUTHENTICATED ends the session even on a page that queries nothing.
    void created.client.query(MeQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    setApi(created);
    return () => {
      created.dispose();
      forgetLists();
      setApi(null);
    };
  }, [token]);

  if (!session) return onSignIn ? <SignInPage ended={ended} /> : null;
  if (!api || onSignIn) return null;
  return (
    <Provider value={api.client}>
      <Layout session={session}>
        <AppRoutes route={route} />
      </Layout>
    </Provider>
  );
}
