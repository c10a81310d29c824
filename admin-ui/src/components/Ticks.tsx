import { tickFor } from '../lib/status';
import type { Message } from '../lib/types';

/** WhatsApp's ticks for an outbound message; nothing for an inbound one. */
export function Ticks({ message }: { message: Pick<Message, 'status' | 'direction' | 'error'> }) {
  const tick = tickFor(message);
  if (tick.kind === 'none') return null;
  return (
    <span className={`ticks ticks--${tick.kind}`} title={tick.label} data-tick={tick.kind}>
      <span aria-hidden="true">{tick.glyph}</span>
      <span className="sr-only">{tick.label}</span>
    </span>
  );
}
