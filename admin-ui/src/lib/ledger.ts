// The credit ledger: append-only, newest first, in the order of its entries' ids.
import type { LedgerFieldsFragment } from '../gql/graphql';
import { refreshRows, type Refreshed } from './refresh';

type Entry = LedgerFieldsFragment;

/** The ledger with its first page fetched again (a resync): see `refreshRows`; entries never change. */
export function refreshLedger(shown: readonly Entry[], page: readonly Entry[], complete: boolean): Refreshed<Entry> {
  return refreshRows(shown, page, complete, { isAfter: (a, b) => Number(a.id) < Number(b.id), newer: (_, incoming) => incoming });
}
