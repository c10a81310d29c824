// The urql client: HTTP for queries and mutations, graphql-ws for subscriptions, the bearer
// token on both, and UNAUTHENTICATED from anywhere ending the session.
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';
import { errorCode } from '../lib/errors';
import { setLiveState, type LiveState } from './live';
import { createLiveSocket } from './liveSocket';

/** The socket's URL beside the page: `ws(s)://host/graphql/ws`. */
export function wsUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`;
}

export interface ApiClient {
  client: Client;
  dispose(): void;
}

/** A client for one token; make a new one when the token changes. */
export function createApiClient(token: string, onUnauthenticated: () => void): ApiClient {
  const authorization = `Bearer ${token}`;
  let disposed = false;
  const live = (next: LiveState, reconnected: boolean) => {
    if (!disposed) setLiveState(next, reconnected);
  };
  live('connecting', false);
  const ws = createLiveSocket(wsUrl(), authorization, {
    report: live,
    onRefused: () => {
      if (!disposed) onUnauthenticated();
    },
  });

  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    fetchOptions: () => ({
      headers: {
        accept: 'application/graphql-response+json, application/json',
        authorization,
      },
    }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (errorCode(error) === 'UNAUTHENTICATED') onUnauthenticated();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    dispose: () => {
      disposed = true;
      void ws.dispose();
    },
  };
}

/** A client for the sign-in page, before there is a token. */
export function createAnonymousClient(): Client {
  return new Client({
    url: '/graphql',
    preferGetMethod: false,
    fetchOptions: { headers: { accept: 'application/graphql-response+json, application/json' } },
    exchanges: [fetchExchange],
  });
}
