import type { Message } from '../../src/lib/types';

let next = 1;

/** A message row with sensible defaults; `over` replaces any field. */
export function message(over: Partial<Message> = {}): Message {
  const id = over.id ?? String(next++);
  return {
    id,
    userId: '3',
    from: '33612345678',
    to: '15550001111',
    messageId: `wamid.${id}`,
    type: 'text',
    content: 'Bonjour',
    direction: 'INBOUND',
    status: 'RECEIVED',
    timestamp: '2026-11-20T10:00:00Z',
    contactName: 'Ana',
    replyTo: null,
    creditsCharged: 1,
    mediaId: null,
    error: null,
    raw: { text: { body: over.content ?? 'Bonjour' } },
    updatedAt: '2026-11-20T10:00:01Z',
    ...over,
  };
}

/** An outbound message to the default contact. */
export function outbound(over: Partial<Message> = {}): Message {
  return message({ from: '15550001111', to: '33612345678', direction: 'OUTBOUND', status: 'ACCEPTED', contactName: null, ...over });
}

/** Messages with these ids, each timestamped its id in minutes past 10:00 (a higher id is newer). */
export function minutely(...ids: number[]): Message[] {
  return ids.map((id) => message({ id: String(id), timestamp: new Date(Date.UTC(2026, 10, 20, 10, id)).toISOString() }));
}
