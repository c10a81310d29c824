// WhatsApp's customer-service window: free-form messages may be sent for 24 hours after the
// contact's last message; after that only an approved template.
import type { Message } from './types';

export const WINDOW_MS = 24 * 60 * 60 * 1000;

export interface ServiceWindow {
  open: boolean;
  /** When it closes (or closed); null when the contact never wrote. */
  closesAt: Date | null;
}

/** The window of a thread at `now`, from the last inbound message's Meta timestamp. */
export function serviceWindow(thread: readonly Pick<Message, 'direction' | 'timestamp'>[], now: Date): ServiceWindow {
  let last = Number.NEGATIVE_INFINITY;
  for (const message of thread) {
    if (message.direction === 'INBOUND') last = Math.max(last, Date.parse(message.timestamp));
  }
  if (!Number.isFinite(last)) return { open: false, closesAt: null };
  const closesAt = new Date(last + WINDOW_MS);
  return { open: now.getTime() < closesAt.getTime(), closesAt };
}
