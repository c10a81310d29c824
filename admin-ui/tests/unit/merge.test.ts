import { describe, expect, it } from 'vitest';
import { appendPage, applyToTable, applyToThread, contactOf, newerOf, upsert } from '../../src/lib/merge';
import type { MessageEvent } from '../../src/lib/types';
import { message, outbound } from './fixtures';

const newMessage = (conversation = message()): MessageEvent => ({ kind: 'NEW_MESSAGE', conversation });
const statusChanged = (conversation = message()): MessageEvent => ({ kind: 'STATUS_CHANGED', conversation });

describe('live events in the table (newest first)', () => {
  const older = message({ id: '1', timestamp: '2026-11-20T09:00:00Z' });
  const newer = message({ id: '2', timestamp: '2026-11-20T10:00:00Z' });

  it('puts a new message at the top', () => {
    const arrived = message({ id: '3', timestamp: '2026-11-20T11:00:00Z' });
    expect(applyToTable([newer, older], newMessage(arrived), {}, true).map((m) => m.id)).toEqual(['3', '2', '1']);
  });

  it('puts a late message at its place by Meta timestamp', () => {
    const late = message({ id: '3', timestamp: '2026-11-20T09:30:00Z' });
    expect(applyToTable([newer, older], newMessage(late), {}, true).map((m) => m.id)).toEqual(['2', '3', '1']);
  });

  it('leaves out a new message the filters exclude', () => {
    const list = [newer, older];
    expect(applyToTable(list, newMessage(outbound({ id: '3' })), { direction: 'INBOUND' }, true)).toBe(list);
  });

  it('never shows a message twice (event after the page that had it)', () => {
    const list = [newer, older];
    expect(applyToTable(list, newMessage({ ...newer }), {}, true)).toHaveLength(2);
  });

  it('changes the status of a row in place', () => {
    const sent = outbound({ id: '5', status: 'SENT' });
    const read = { ...sent, status: 'READ' as const, updatedAt: '2026-11-20T10:05:00Z' };
    const result = applyToTable([sent, older], statusChanged(read), {}, true);
    expect(result.map((m) => [m.id, m.status])).toEqual([
      ['5', 'READ'],
      ['1', 'RECEIVED'],
    ]);
  });

  it('leaves a message older than every row shown for its page while more pages remain', () => {
    const list = [newer, older];
    const oldest = message({ id: '9', timestamp: '2026-11-20T08:00:00Z' });
    expect(applyToTable(list, newMessage(oldest), {}, false)).toBe(list);
    expect(applyToTable(list, statusChanged({ ...oldest, status: 'READ' }), {}, false)).toBe(list);
    expect(applyToTable(list, newMessage(oldest), {}, true).map((m) => m.id)).toEqual(['2', '1', '9']);
    const between = message({ id: '8', timestamp: '2026-11-20T09:30:00Z' });
    expect(applyToTable(list, newMessage(between), {}, false).map((m) => m.id)).toEqual(['2', '8', '1']);
  });

  it('follows a status filter: a row leaves when its status moves on, one arrives when it moves in', () => {
    const sent = outbound({ id: '5', status: 'SENT', timestamp: '2026-11-20T09:30:00Z' });
    const delivered = { ...sent, status: 'DELIVERED' as const, updatedAt: '2026-11-20T10:05:00Z' };
    expect(applyToTable([sent], statusChanged(delivered), { status: 'SENT' }, true)).toEqual([]);
    const failed = { ...sent, status: 'FAILED' as const, updatedAt: '2026-11-20T10:06:00Z' };
    expect(applyToTable([], statusChanged(failed), { status: 'FAILED' }, true)).toEqual([failed]);
    const late = { ...sent, updatedAt: '2026-11-20T10:07:00Z' };
    expect(applyToTable([delivered], statusChanged(late), { status: 'DELIVERED' }, true)).toEqual([delivered]);
  });
});

describe('statuses only move forward', () => {
  const base = outbound({ id: '7', status: 'READ', updatedAt: '2026-11-20T10:05:00Z' });

  it('keeps READ when a late DELIVERED arrives', () => {
    const late = { ...base, status: 'DELIVERED' as const, updatedAt: '2026-11-20T10:06:00Z' };
    expect(newerOf(base, late)).toBe(base);
  });

  it('takes FAILED over anything, and keeps it', () => {
    const failed = { ...base, status: 'FAILED' as const, error: { code: 131047, title: 'Re-engagement message', details: null } };
    expect(newerOf(base, failed)).toBe(failed);
    expect(newerOf(failed, { ...base, status: 'PLAYED' })).toBe(failed);
  });

  it('takes the later version of the same status', () => {
    const later = { ...base, updatedAt: '2026-11-20T10:07:00Z', content: 'edited' };
    expect(newerOf(base, later)).toBe(later);
    expect(newerOf(later, base)).toBe(later);
  });
});

describe('pages and the thread', () => {
  it('appends a page without the rows that arrived live meanwhile', () => {
    const a = message({ id: '1' });
    const b = message({ id: '2' });
    const c = message({ id: '3' });
    expect(appendPage([a, b], [b, c]).map((m) => m.id)).toEqual(['1', '2', '3']);
  });

  it('adds a new message of the contact at the bottom of the thread', () => {
    const first = message({ id: '1', timestamp: '2026-11-20T09:00:00Z' });
    const reply = outbound({ id: '2', timestamp: '2026-11-20T09:05:00Z' });
    const thread = applyToThread([first], newMessage(reply), '33612345678');
    expect(thread.map((m) => m.id)).toEqual(['1', '2']);
  });

  it("ignores another contact's messages in a thread", () => {
    const list = [message({ id: '1' })];
    expect(applyToThread(list, newMessage(message({ id: '2', from: '4915112345678' })), '33612345678')).toBe(list);
  });

  it('orders equal timestamps by id', () => {
    const t = '2026-11-20T09:00:00Z';
    const list = upsert([message({ id: '10', timestamp: t })], message({ id: '9', timestamp: t }), 'oldest-first');
    expect(list.map((m) => m.id)).toEqual(['9', '10']);
  });

  it('names the contact: the sender inbound, the recipient outbound', () => {
    expect(contactOf(message())).toBe('33612345678');
    expect(contactOf(outbound())).toBe('33612345678');
  });
});
