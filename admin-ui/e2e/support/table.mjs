// The messages table as the test reads it: the rows it shows, and the Conversations queries
// the page sent to fill it.

/** The message ids of the rows shown, top to bottom. */
export function shownMessageIds(page) {
  return page.locator('table.conversations tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-message-id')));
}

/** Records the variables of every Conversations query `page` sends, in order. */
export function recordConversationQueries(page) {
  const sent = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/graphql') return;
    const body = request.postDataJSON();
    if (body?.operationName === 'Conversations') sent.push(body.variables);
  });
  return sent;
}

/** Why `shown` is not `expected`, or null when it is. */
export function rowsDiffer(shown, expected) {
  const duplicates = shown.filter((id, i) => shown.indexOf(id) !== i);
  if (duplicates.length) return `${duplicates.length} duplicate rows (${duplicates.slice(0, 3).join(', ')})`;
  if (shown.length !== expected.length) return `${shown.length} rows instead of ${expected.length}`;
  const at = shown.findIndex((id, i) => id !== expected[i]);
  return at < 0 ? null : `row ${at + 1} is ${shown[at]} instead of ${expected[at]}`;
}
