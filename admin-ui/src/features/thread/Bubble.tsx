// One message in the thread: its side by direction, quoted reply, body, Meta's time, ticks,
// failure and the reactions it received.
import { forwardRef, type KeyboardEvent } from 'react';
import { Ticks } from '../../components/Ticks';
import { formatClock, formatDateTime, isolate } from '../../lib/format';
import type { Reaction } from '../../lib/reactions';
import { failureText } from '../../lib/status';
import type { Message } from '../../lib/types';
import { MessageBody } from './MessageBody';

/** What the quoted message is to this one, when not the message it replies to. */
const QUOTE_LABELS: Record<string, string> = { edit: 'Edits: ', revoke: 'Deletes: ' };

interface Props {
  message: Message;
  quoted: Message | null;
  reactions: Reaction[];
  highlighted: boolean;
  tabIndex: number;
  onKeyDown: (event: KeyboardEvent<HTMLElement>) => void;
  onFocus: () => void;
}

export const Bubble = forwardRef<HTMLElement, Props>(function Bubble(
  { message, quoted, reactions, highlighted, tabIndex, onKeyDown, onFocus },
  ref,
) {
  const side = message.direction === 'INBOUND' ? 'in' : 'out';
  const who = message.direction === 'INBOUND' ? message.contactName || 'Contact' : 'You';
  return (
    <article
      ref={ref}
      className={`bubble bubble--${side}${highlighted ? ' bubble--focus' : ''}${message.status === 'FAILED' ? ' bubble--failed' : ''}`}
      tabIndex={tabIndex}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
      aria-label={`${isolate(who)}, ${formatDateTime(message.timestamp)}`}
      data-message-id={message.messageId}
      data-status={message.status}
    >
      {quoted && (
        <blockquote className="quote">
          <span className={message.type === 'edit' || message.type === 'revoke' ? 'quote__label' : 'sr-only'}>
            {QUOTE_LABELS[message.type] ?? 'In reply to: '}
          </span>
          <bdi>{quoted.content}</bdi>
        </blockquote>
      )}
      <MessageBody message={message} />
      {message.status === 'FAILED' && (
        <p className="bubble__error" role="note">
          Not delivered: {failureText(message.error)}
        </p>
      )}
      <footer className="bubble__meta">
        <time dateTime={message.timestamp} title={formatDateTime(message.timestamp)}>
          {formatClock(message.timestamp)}
        </time>
        <Ticks message={message} />
      </footer>
      {reactions.length > 0 && (
        <ul className="reactions" aria-label="Reactions">
          {reactions.map((r) => (
            <li key={r.direction} title={r.direction === 'INBOUND' ? 'The contact reacted' : 'You reacted'}>
              {r.emoji}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
});
