// Status ticks, as WhatsApp shows them: one grey tick when sent, two grey when delivered,
// two blue when read (or a voice note played), a red mark with Meta's error when failed.
import type { Direction, Message, MessageStatus } from './types';

/** How far each status has gone; FAILED is final, so it outranks everything. */
const RANK: Record<MessageStatus, number> = {
  RECEIVED: 0,
  ACCEPTED: 1,
  SENT: 2,
  DELIVERED: 3,
  READ: 4,
  PLAYED: 5,
  FAILED: 6,
};

/** Whether a message may move from `current` to `next` (statuses only move forward). */
export function canAdvance(current: MessageStatus, next: MessageStatus): boolean {
  return RANK[next] > RANK[current];
}

export type TickKind = 'none' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Tick {
  kind: TickKind;
  /** The glyphs drawn: '', '🕓', '✓', '✓✓' or '!'. */
  glyph: string;
  /** What a screen reader says, and the tooltip. */
  label: string;
}

/** Each status as one word, the same in the table, its filter and the thread's ticks. Meta
 *  having only accepted a message is, to an admin, a message still being sent. */
const WORDS: Record<MessageStatus, string> = {
  RECEIVED: 'Received',
  ACCEPTED: 'Sending',
  SENT: 'Sent',
  DELIVERED: 'Delivered',
  READ: 'Read',
  PLAYED: 'Played',
  FAILED: 'Failed',
};

/** The tick of a message: inbound messages have none. */
export function tickFor(
  message: Pick<Message, 'direction' | 'status' | 'error'>,
): Tick {
  if (message.direction === 'INBOUND') return { kind: 'none', glyph: '', label: WORDS.RECEIVED };
  switch (message.status) {
    case 'ACCEPTED':
    case 'RECEIVED':
      return { kind: 'pending', glyph: '🕓', label: WORDS.ACCEPTED };
    case 'SENT':
      return { kind: 'sent', glyph: '✓', label: WORDS.SENT };
    case 'DELIVERED':
      return { kind: 'delivered', glyph: '✓✓', label: WORDS.DELIVERED };
    case 'READ':
      return { kind: 'read', glyph: '✓✓', label: WORDS.READ };
    case 'PLAYED':
      return { kind: 'read', glyph: '✓✓', label: WORDS.PLAYED };
    case 'FAILED':
      return { kind: 'failed', glyph: '!', label: `${WORDS.FAILED}: ${failureText(message.error)}` };
  }
}

/** Meta's error as one sentence: title, code and details when present. */
export function failureText(error: Message['error']): string {
  if (!error) return 'no reason given by Meta';
  const title = error.title?.trim() || 'error';
  const code = error.code != null ? ` (${error.code})` : '';
  const details = error.details?.trim() && error.details.trim() !== title ? ` — ${error.details.trim()}` : '';
  return `${title}${code}${details}`;
}

/** The status as a word, for the table's badge and the status filter. */
export function statusLabel(status: MessageStatus): string {
  return WORDS[status];
}

/** The direction as a word. */
export function directionLabel(direction: Direction): string {
  return direction === 'INBOUND' ? 'In' : 'Out';
}
