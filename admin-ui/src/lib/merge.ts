// Merging what arrives (pages, live events, send results) into the lists on screen without
// duplicates, in order, and without ever moving a status backwards.
import { canAdvance } from './status';
import type { Message, MessageEvent } from './types';
import { matchesFilters, type Filters } from './filters';
import { refreshRows, type Refreshed } from './refresh';

/** `newest-first` for the table, `oldest-first` for a chat thread. */
export type Order = 'newest-first' | 'oldest-first';

/** The newer version of one message: a status never moves back, FAILED stays. */
export function newerOf(current: Message, incoming: Message): Message {
  if (incoming.status === current.status) {
    return Date.parse(incoming.updatedAt) >= Date.parse(current.updatedAt) ? incoming : current;
  }
  return canAdvance(current.status, incoming.status) ? incoming : current;
}

/** Puts `message` in the list: replaces its older version, or inserts it in order. */
export function upsert(list: readonly Message[], message: Message, order: Order): Message[] {
  const index = list.findIndex((m) => m.id === message.id);
  if (index >= 0) {
    const merged = newerOf(list[index], message);
    if (merged === list[index]) return list as Message[];
    const next = list.slice();
    next[index] = merged;
    return next;
  }
  const next = list.slice();
  const at = next.findIndex((m) => comesBefore(message, m, order));
  next.splice(at < 0 ? next.length : at, 0, message);
  return next;
}

/** Appends a further page (from a cursor), skipping rows already there (live arrivals). */
export function appendPage(list: readonly Message[], page: readonly Message[]): Message[] {
  const seen = new Set(list.map((m) => m.id));
  return [...list, ...page.filter((m) => !seen.has(m.id))];
}

/**
 * A live event applied to the table, as a re-query would show it: the message (at its newest
 * status) is in the list where the filters admit it, in order, and out of it where they no
 * longer do (a status filter). While more pages remain (`complete` false), a message older
 * than every row shown is left for its page, so that "load more" keeps the order.
 */
export function applyToTable(list: readonly Message[], event: MessageEvent, filters: Filters, complete: boolean): Message[] {
  const index = list.findIndex((m) => m.id === event.conversation.id);
  const message = index >= 0 ? newerOf(list[index], event.conversation) : event.conversation;
  if (!matchesFilters(message, filters)) {
    return index >= 0 ? list.filter((_, i) => i !== index) : (list as Message[]);
  }
  const last = list[list.length - 1];
  if (index < 0 && !complete && last && comesBefore(last, message, 'newest-first')) return list as Message[];
  return upsert(list, message, 'newest-first');
}

/**
 * The table with its first page fetched again (a resync): the page's rows replace those in its
 * range, statuses never moving back, and the older rows loaded by "load more" stay (see
 * `refreshRows`).
 */
export function refreshTable(shown: readonly Message[], page: readonly Message[], complete: boolean): Refreshed<Message> {
  return refreshRows(shown, page, complete, { isAfter: (a, b) => comesBefore(b, a, 'newest-first'), newer: newerOf });
}

/** A live event applied to the thread with `contact`; other contacts' messages are ignored. */
export function applyToThread(list: readonly Message[], event: MessageEvent, contact: string): Message[] {
  if (!involves(event.conversation, contact)) return list as Message[];
  return upsert(list, event.conversation, 'oldest-first');
}

/** The contact a message was exchanged with: its sender inbound, its recipient outbound. */
export function contactOf(message: Pick<Message, 'direction' | 'from' | 'to'>): string {
  return message.direction === 'INBOUND' ? message.from : message.to;
}

function involves(message: Message, contact: string): boolean {
  return message.from === contact || message.to === contact;
}

function comesBefore(a: Message, b: Message, order: Order): boolean {
  const byTime = Math.sign(Date.parse(a.timestamp) - Date.parse(b.timestamp)) || compareIds(a.id, b.id);
  return order === 'newest-first' ? byTime > 0 : byTime < 0;
}

function compareIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return Math.sign(x - y);
  return a < b ? -1 : a > b ? 1 : 0;
}
