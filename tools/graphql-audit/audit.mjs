// Runs graphql-http's GraphQL-over-HTTP server audit against a running server.
//
//   node audit.mjs http://127.0.0.1:8080/graphql
//
// Prints every result, then a summary listing the warnings and notices. Exits 1 when a MUST
// fails (status "error"), 2 on bad usage; warnings (SHOULD) and notices (MAY) do not fail it.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>, e.g. http://127.0.0.1:8080/graphql');
  process.exit(2);
}

const results = await auditServer({ url });
results.sort((a, b) => a.id.localeCompare(b.id));

const byStatus = { ok: [], notice: [], warn: [], error: [] };
for (const result of results) {
  (byStatus[result.status] ??= []).push(result);
  const reason = result.status === 'ok' ? '' : ` — ${result.reason}`;
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}${reason}`);
}

console.log(
  `\ngraphql-http audit of ${url}: ${byStatus.ok.length} ok, ${byStatus.notice.length} notice, ` +
    `${byStatus.warn.length} warn, ${byStatus.error.length} error`,
);
for (const status of ['warn', 'notice', 'error']) {
  for (const result of byStatus[status]) {
    console.log(`  ${status} ${result.id} ${result.name}`);
  }
}
process.exit(byStatus.error.length > 0 ? 1 : 0);
