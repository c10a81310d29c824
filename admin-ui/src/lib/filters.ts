// The conversations table's filters and their round trip through the URL's query string,
// so a filtered view can be reloaded, bookmarked and shared.
import type { ConversationFilter } from '../gql/graphql';
import { DIRECTIONS, STATUSES, type Direction, type Message, type MessageStatus } from './types';

/** The filters as the form edits them; dates are local calendar days (`YYYY-MM-DD`). */
export interface Filters {
  direction?: Direction;
  type?: string;
  status?: MessageStatus;
  contact?: string;
  text?: string;
  /** First day included. */
  from?: string;
  /** Last day included. */
  to?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TYPE = /^[a-z_]{1,40}$/;

/** The URL's parameter of each filter, in the order they are written. */
const PARAMS: ReadonlyArray<[keyof Filters, string]> = [
  ['direction', 'direction'],
  ['type', 'type'],
  ['status', 'status'],
  ['contact', 'contact'],
  ['text', 'q'],
  ['from', 'from'],
  ['to', 'to'],
];

/** Reads the filters from a query string, ignoring values that cannot be valid. */
export function filtersFromSearch(search: string | URLSearchParams): Filters {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const get = (name: string) => params.get(name)?.trim() || undefined;
  const upper = (name: string) => get(name)?.toUpperCase();
  const filters: Filters = {};
  const direction = upper('direction');
  if (direction && (DIRECTIONS as readonly string[]).includes(direction)) filters.direction = direction as Direction;
  const status = upper('status');
  if (status && (STATUSES as readonly string[]).includes(status)) filters.status = status as MessageStatus;
  const type = get('type')?.toLowerCase();
  if (type && TYPE.test(type)) filters.type = type;
  const contact = get('contact');
  if (contact) filters.contact = contact;
  const text = get('q');
  if (text) filters.text = text;
  const from = get('from');
  if (from && isDay(from)) filters.from = from;
  const to = get('to');
  if (to && isDay(to)) filters.to = to;
  return filters;
}

/** Writes the filters as a query string (without `?`), in a stable order, lower-case enums. */
export function filtersToSearch(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [key, name] of PARAMS) {
    const value = filters[key]?.trim();
    if (!value) continue;
    params.set(name, key === 'direction' || key === 'status' ? value.toLowerCase() : value);
  }
  return params.toString();
}

/** True when no filter narrows the list. */
export function isUnfiltered(filters: Filters): boolean {
  return PARAMS.every(([key]) => !filters[key]?.trim());
}

/** The GraphQL `ConversationFilter` for these filters; days are read in the browser's zone. */
export function toConversationFilter(filters: Filters): ConversationFilter {
  const filter: ConversationFilter = {};
  if (filters.direction) filter.direction = filters.direction;
  if (filters.type) filter.type = filters.type;
  if (filters.status) filter.status = filters.status;
  if (filters.contact) filter.contact = normalizePhone(filters.contact);
  if (filters.text) filter.search = filters.text;
  if (filters.from) filter.since = startOfDay(filters.from).toISOString();
  if (filters.to) filter.until = startOfDay(filters.to, 1).toISOString();
  return filter;
}

/** Whether a message (typically a live one) belongs in a list shown with these filters. */
export function matchesFilters(message: Message, filters: Filters): boolean {
  if (filters.direction && message.direction !== filters.direction) return false;
  if (filters.type && message.type !== filters.type) return false;
  if (filters.status && message.status !== filters.status) return false;
  if (filters.contact) {
    const contact = normalizePhone(filters.contact);
    if (message.from !== contact && message.to !== contact) return false;
  }
  if (filters.text && !message.content.toLowerCase().includes(filters.text.toLowerCase())) return false;
  const at = Date.parse(message.timestamp);
  if (filters.from && at < startOfDay(filters.from).getTime()) return false;
  if (filters.to && at >= startOfDay(filters.to, 1).getTime()) return false;
  return true;
}

/** Phone numbers are stored as E.164 digits: `+33 6 12-34` becomes `336 1234`'s digits. */
export function normalizePhone(input: string): string {
  const trimmed = input.trim();
  return /^[+\d\s().-]+$/.test(trimmed) ? trimmed.replace(/\D/g, '') : trimmed;
}

function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = startOfDay(value);
  return !Number.isNaN(date.getTime()) && localDay(date) === value;
}

/** Local midnight of `day`, `plusDays` later. */
function startOfDay(day: string, plusDays = 0): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays);
}

/** The local calendar day of a moment, as `YYYY-MM-DD`. */
function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
