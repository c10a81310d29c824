// A list shown page by page whose first page was fetched again (a resync after live events
// may have been missed): the rows the page covers are replaced, the older ones loaded since by
// "load more" stay, so the reader keeps their place.

/** How a list is ordered, and which of two versions of one row it shows. */
export interface RowOrder<T> {
  /** True when `a` comes after `b` in the list (older, in a newest-first list). */
  isAfter(a: T, b: T): boolean;
  /** The version to show of a row shown as `current` and fetched again as `incoming`. */
  newer(current: T, incoming: T): T;
}

/** The rows after a refresh; `keptOlder`: rows beyond the page stayed, and so does their cursor. */
export interface Refreshed<T> {
  rows: T[];
  keptOlder: boolean;
}

/**
 * `shown` with its first page fetched again as `page` (`complete`: no page after it). The page
 * replaces the rows in its range: a row shown there but not in the page left the list (a status
 * filter). The rows after the page are kept only when the page reaches into what was shown (its
 * last row was shown); otherwise rows missed between them could never be loaded, and the page
 * alone is kept, "load more" going on from its own cursor.
 */
export function refreshRows<T extends { id: string }>(
  shown: readonly T[],
  page: readonly T[],
  complete: boolean,
  order: RowOrder<T>,
): Refreshed<T> {
  const byId = new Map(shown.map((row) => [row.id, row]));
  const rows = page.map((row) => {
    const current = byId.get(row.id);
    return current ? order.newer(current, row) : row;
  });
  const last = page[page.length - 1];
  if (complete || !last || !byId.has(last.id)) return { rows, keptOlder: false };
  const older = shown.filter((row) => order.isAfter(row, last));
  return { rows: [...rows, ...older], keptOlder: older.length > 0 };
}
