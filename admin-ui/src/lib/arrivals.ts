// What a screen reader hears when messages arrive live: one sentence per batch, so that three
// messages posted at once are not announced as the last of them.
import { displayName, isolate } from './format';
import { contactOf } from './merge';
import type { Message } from './types';

/** How many contacts a sentence names before it says "and N others". */
const NAMED = 3;

/** "New message from Ana: Bonjour" for one; "3 new messages from Ana" or "… from Ana, Ben and
 *  2 others" for a batch ("to" when all are outbound, "with" when mixed). Names and texts are
 *  isolated, as they may be right to left. */
export function announceArrivals(batch: readonly Message[]): string {
  const who = (m: Message) => isolate(displayName(m.direction === 'INBOUND' ? m.contactName : null, contactOf(m)));
  if (batch.length === 1) {
    const [m] = batch;
    return `New message ${m.direction === 'INBOUND' ? 'from' : 'to'} ${who(m)}: ${isolate(m.content)}`;
  }
  // Each contact once, by the name it gave when it did.
  const byContact = new Map<string, string>();
  for (const m of batch) {
    if (!byContact.has(contactOf(m)) || (m.direction === 'INBOUND' && m.contactName)) byContact.set(contactOf(m), who(m));
  }
  const directions = new Set(batch.map((m) => m.direction));
  const preposition = directions.size > 1 ? 'with' : directions.has('INBOUND') ? 'from' : 'to';
  return `${batch.length} new messages ${preposition} ${listed([...byContact.values()])}`;
}

/** "A", "A and B", "A, B and C", "A, B, C and 2 others". */
function listed(names: string[]): string {
  const others = names.length - NAMED;
  if (others > 0) return `${names.slice(0, NAMED).join(', ')} and ${others} other${others === 1 ? '' : 's'}`;
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
}
