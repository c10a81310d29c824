import { StatusBadge } from '../../components/StatusBadge';
import { useRowNavigation } from '../../components/useRowNavigation';
import { formatDateTime, formatPhone, isolate } from '../../lib/format';
import { contactOf } from '../../lib/merge';
import { directionLabel } from '../../lib/status';
import type { Message } from '../../lib/types';

interface Props {
  messages: Message[];
  arrived: Set<string>;
  onOpen: (message: Message) => void;
}

/** The messages as a table; rows are reachable with the arrow keys and open with Enter. */
export function ConversationsTable({ messages, arrived, onOpen }: Props) {
  const { rowProps } = useRowNavigation<HTMLTableRowElement>(messages.length, (i) => onOpen(messages[i]));
  return (
    <table className="table table--rows conversations">
      <caption className="sr-only">
        Messages, newest first; use the arrow keys to move between rows and Enter to open the conversation.
      </caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Direction</th>
          <th scope="col">Contact</th>
          <th scope="col">Type</th>
          <th scope="col">Content</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m, index) => (
          <tr
            key={m.id}
            {...rowProps(index)}
            onClick={() => onOpen(m)}
            className={`row-link${arrived.has(m.id) ? ' row--new' : ''}`}
            data-message-id={m.messageId}
            aria-label={`${m.direction === 'INBOUND' ? 'From' : 'To'} ${isolate(formatPhone(contactOf(m)))}: ${isolate(m.content)}`}
          >
            <td data-label="Time">
              <time dateTime={m.timestamp}>{formatDateTime(m.timestamp)}</time>
            </td>
            <td data-label="Direction">
              <span className={`dir dir--${m.direction.toLowerCase()}`}>{directionLabel(m.direction)}</span>
            </td>
            <td data-label="Contact">
              <bdi className="contact">{formatPhone(contactOf(m))}</bdi>
              {m.direction === 'INBOUND' && m.contactName && (
                <span className="muted contact__name" dir="auto" title={m.contactName}>
                  {m.contactName}
                </span>
              )}
            </td>
            <td data-label="Type">{m.type}</td>
            <td data-label="Content" className="content-cell">
              {m.content ? (
                <div className="content-cell__text" dir="auto" title={m.content}>
                  {m.content}
                </div>
              ) : (
                <span className="muted">(empty)</span>
              )}
            </td>
            <td data-label="Status">
              <StatusBadge message={m} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
