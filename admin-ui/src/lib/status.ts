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

/** The tick of a message: inbound messages have none. */
export function tickFor(
  message: Pick<Message, 'direction' | 'status' | 'error'>,
): Tick {
  if (message.direction === 'INBOUND') return { kind: 'none', glyph: '', label: 'Received' };
  switch (message.status) {
    case 'ACCEPTED':
    case 'RECEIVED':
      return { kind: 'pending', glyph: '🕓', label: 'Sending' };
    case 'SENT':
      return { kind: 'sent', glyph: '✓', label: 'Sent' };
    case 'DELIVERED':
      return { kind: 'delivered', glyph: '✓✓', label: 'Delivered' };
    case 'READ':
      return { kind: 'read', glyph: '✓✓', label: 'Read' };
    case 'PLAYED':
      return { kind: 'read', glyph: '✓✓', label: 'Played' };
    case 'FAILED':
      return { kind: 'failed', glyph: '!', label: `Failed: ${failureText(message.error)}` };
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

/** The status as a word, for the table's badge. */
export function statusLabel(status: MessageStatus): string {
  return status.charAt(0) + status.slice(1).toLowerCase();
}

/** The direction as a word. */
export function directionLabel(direction: Direction): string {
  return direction === 'INBOUND' ? 'In' : 'Out';
}
