// Display formats: times, phone numbers, credits.

const DATE_TIME: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
};

/** A moment as `25 Nov 2026, 10:24` in the reader's zone (or `timeZone`). */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { ...DATE_TIME, timeZone }).format(date);
}

/** Only the time of day, for chat bubbles. */
export function formatClock(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }).format(date);
}

/** The day heading of a chat thread. */
export function formatDay(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone }).format(date);
}

/** E.164 digits shown with a leading `+`; other identifiers (business-scoped ids) as they are. */
export function formatPhone(value: string | null | undefined): string {
  if (!value) return '';
  return /^\d{6,15}$/.test(value) ? `+${value}` : value;
}

/** `balance / allowance`. */
export function formatCredits(balance: number, allowance: number): string {
  return `${balance} / ${allowance}`;
}

/** A signed change: `+10`, `-2`, `0`. */
export function formatDelta(delta: number): string {
  return delta > 0 ? `+${delta}` : String(delta);
}

/** A person's name or, lacking one, their number. */
export function displayName(name: string | null | undefined, phone: string | null | undefined): string {
  return name?.trim() || formatPhone(phone) || 'Unknown contact';
}

/**
 * `text` between Unicode's first-strong isolate marks (U+2068 … U+2069), for plain strings
 * where a `<bdi>` cannot go (aria-labels, titles, alt texts): a right-to-left name or message
 * then keeps its own direction without reordering the words around it.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
