// The page's GraphQL WebSocket, routed through the test (Playwright's routeWebSocket) so that
// a step can read what the server sent, drop the connection the way a restarting server does,
// and hold the next connection back so that events published meanwhile are certainly missed.

/** Routes `/graphql/ws` of `page`; call before the page opens its socket. */
export async function routeLiveSocket(page) {
  const fromServer = [];
  let open = [];
  let holding = false;
  await page.routeWebSocket(/\/graphql\/ws$/, (ws) => {
    const server = ws.connectToServer();
    // `held` keeps the page's messages (connection_init, subscribe) while holding, so the
    // server neither acknowledges the connection nor registers its subscriptions.
    const connection = { ws, server, held: holding ? [] : null };
    ws.onMessage((message) => (connection.held ? connection.held.push(message) : server.send(message)));
    server.onMessage((message) => {
      fromServer.push(JSON.parse(String(message)));
      ws.send(message);
    });
    open.push(connection);
  });

  return {
    /** Every message the server sent on any connection so far, parsed, oldest first. */
    received: () => fromServer.slice(),
    /** Closes the open connections on both sides with `code`, and holds the next ones. */
    async drop(code, reason) {
      holding = true;
      const closing = open;
      open = [];
      await Promise.all(closing.flatMap(({ ws, server }) => [ws.close({ code, reason }), server.close({ code, reason })]));
    },
    /** Lets the held connections through: their first messages reach the server now. */
    release() {
      holding = false;
      for (const connection of open) {
        const held = connection.held ?? [];
        connection.held = null;
        held.forEach((message) => connection.server.send(message));
      }
    },
  };
}

/** True when `message` is a subscription result carrying a GraphQL error with `code`. */
export function isErrorResult(message, code) {
  return message.type === 'next' && (message.payload?.errors ?? []).some((e) => e.extensions?.code === code);
}
