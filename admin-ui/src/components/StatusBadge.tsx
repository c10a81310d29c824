import { statusLabel, tickFor } from '../lib/status';
import type { Message } from '../lib/types';

/** The status as a coloured word, with Meta's error as its tooltip when failed. */
export function StatusBadge({ message }: { message: Pick<Message, 'status' | 'direction' | 'error'> }) {
  const tick = tickFor(message);
  return (
    <span className={`badge badge--${message.status.toLowerCase()}`} title={tick.kind === 'failed' ? tick.label : undefined} data-status={message.status}>
      {statusLabel(message.status)}
    </span>
  );
}
