import { describe, expect, it } from 'vitest';
import type { LedgerFieldsFragment } from '../../src/gql/graphql';
import { refreshLedger } from '../../src/lib/ledger';
import { refreshTable } from '../../src/lib/merge';
import { minutely as rows, outbound } from './fixtures';

const ids = (list: readonly { id: string }[]) => list.map((m) => m.id);

describe('the table with its first page fetched again (resync)', () => {
  // Shown: a first page (9..6) and a page loaded with "load more" (5..3).
  const shown = rows(9, 8, 7, 6, 5, 4, 3);

  it('puts the new rows on top and keeps the rows loaded with "load more" after the page', () => {
    const refreshed = refreshTable(shown, rows(11, 10, 9, 8), false);
    expect(ids(refreshed.rows)).toEqual(['11', '10', '9', '8', '7', '6', '5', '4', '3']);
    expect(refreshed.keptOlder).toBe(true);
  });

  it('drops the rows within the page that it no longer holds (they left the filter)', () => {
    const refreshed = refreshTable(shown, rows(10, 9, 7, 6), false);
    expect(ids(refreshed.rows)).toEqual(['10', '9', '7', '6', '5', '4', '3']);
  });

  it('moves statuses forward, never back', () => {
    const sent = outbound({ id: '6', status: 'SENT', timestamp: shown[3].timestamp });
    const read = { ...sent, status: 'READ' as const, updatedAt: '2026-11-20T11:00:00Z' };
    const delivered = { ...sent, status: 'DELIVERED' as const, updatedAt: '2026-11-20T10:59:00Z' };
    const forward = refreshTable([...shown.slice(0, 3), sent], [...rows(9, 8, 7), read], true);
    expect(forward.rows[3].status).toBe('READ');
    const stale = refreshTable([...shown.slice(0, 3), read], [...rows(9, 8, 7), delivered], true);
    expect(stale.rows[3]).toBe(read);
  });

  it('keeps only the page when it does not reach what was shown: rows missed between them would never load', () => {
    const refreshed = refreshTable(shown, rows(13, 12, 11, 10), false);
    expect(ids(refreshed.rows)).toEqual(['13', '12', '11', '10']);
    expect(refreshed.keptOlder).toBe(false);
  });

  it('keeps only the page when it is the whole list', () => {
    const refreshed = refreshTable(shown, rows(10, 9, 8), true);
    expect(ids(refreshed.rows)).toEqual(['10', '9', '8']);
    expect(refreshed.keptOlder).toBe(false);
  });

  it('says no older row was kept when the page covers everything shown', () => {
    expect(refreshTable(rows(9, 8), rows(10, 9, 8), false)).toEqual({ rows: rows(10, 9, 8), keptOlder: false });
  });
});

describe('the ledger with its first page fetched again (resync)', () => {
  const entry = (id: number): LedgerFieldsFragment => ({
    id: String(id),
    delta: -1,
    reason: 'outbound',
    messageId: null,
    balanceAfter: 100 - id,
    period: '2026-11',
    note: null,
    createdAt: '2026-11-20T10:00:00Z',
  });

  it('puts the new entries on top and keeps the older ones loaded with "load more"', () => {
    const shown = [12, 11, 10, 9, 8].map(entry);
    const refreshed = refreshLedger(shown, [14, 13, 12, 11].map(entry), false);
    expect(ids(refreshed.rows)).toEqual(['14', '13', '12', '11', '10', '9', '8']);
    expect(refreshed.keptOlder).toBe(true);
  });
});
