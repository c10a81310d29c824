// The whole conversation with one contact as a chat thread: it scrolls to the message that
// was clicked, updates live, and ends with the reply box.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Empty, ErrorNotice, Loading, Updating } from '../../components/States';
import { useFollowNewest } from '../../components/useFollowNewest';
import { formatDay, formatPhone } from '../../lib/format';
import { reactionTarget, withReactions } from '../../lib/reactions';
import { paths } from '../../lib/routes';
import { nextRowIndex } from '../../lib/rowNavigation';
import type { Message } from '../../lib/types';
import { Link, useLocation } from '../../routes/router';
import { Bubble } from './Bubble';
import { ReplyBox } from './ReplyBox';
import { ThreadTitle } from './ThreadTitle';
import { useThread } from './useThread';

export function ThreadPage({ userId, contact }: { userId: string; contact: string }) {
  const location = useLocation();
  const opened = new URLSearchParams(location.search).get('message');
  const back = location.state?.back ?? paths.conversations(userId);
  const thread = useThread(userId, contact);
  const { bubbles, reactions } = useMemo(() => withReactions(thread.messages), [thread.messages]);
  const byWamid = useMemo(() => new Map(thread.messages.map((m) => [m.messageId, m])), [thread.messages]);
  // A reaction opens on the message it reacts to.
  const openedMessage = opened ? byWamid.get(opened) : undefined;
  const target = (openedMessage && reactionTarget(openedMessage)) || opened;
  const name = [...thread.messages].reverse().find((m) => m.direction === 'INBOUND' && m.contactName)?.contactName;

  const refs = useRef<(HTMLElement | null)[]>([]);
  const listRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(-1);
  const targetIndex = target ? bubbles.findIndex((m) => m.messageId === target) : -1;

  // Once loaded: to the clicked message, else to the latest one.
  const placed = useRef(false);
  useEffect(() => {
    if (thread.status !== 'ready' || placed.current || bubbles.length === 0) return;
    placed.current = true;
    const index = targetIndex >= 0 ? targetIndex : bubbles.length - 1;
    setActive(index);
    const el = refs.current[index];
    el?.scrollIntoView({ block: 'center' });
    if (targetIndex >= 0) el?.focus({ preventScroll: true });
  }, [thread.status, bubbles.length, targetIndex]);

  // A new message scrolls into view when the reader was at the end of the thread.
  const onScroll = useFollowNewest(listRef, bubbles[bubbles.length - 1]?.id, placed.current, () =>
    refs.current[bubbles.length - 1]?.scrollIntoView({ block: 'end' }),
  );

  const move = (index: number, key: string) => {
    const next = nextRowIndex(index, key, bubbles.length);
    if (next === null) return false;
    setActive(next);
    refs.current[next]?.focus();
    return true;
  };
  const focusIndex = active >= 0 ? Math.min(active, bubbles.length - 1) : bubbles.length - 1;

  return (
    <section className="page thread" aria-labelledby="thread-title">
      <div className="thread__head">
        <Link to={back} className="button button--quiet">
          ← Messages
        </Link>
        <ThreadTitle name={name} contact={contact} />
      </div>
      {thread.status === 'loading' && <Loading label="Loading the conversation…" />}
      {thread.error && <ErrorNotice message={thread.error} onRetry={thread.reload} />}
      {(thread.status === 'ready' || thread.status === 'refreshing') && (
        <>
          <Updating active={thread.status === 'refreshing'} />
          {target && targetIndex < 0 && <p className="notice">The message you opened is older than this view shows.</p>}
          <div
            className="thread__messages"
            ref={listRef}
            onScroll={onScroll}
            role="log"
            aria-live="polite"
            aria-relevant="additions"
            aria-label={`Messages with ${formatPhone(contact)}; use the arrow keys to move between them`}
          >
            {bubbles.length === 0 && <Empty>No messages with this contact yet.</Empty>}
            {bubbles.map((m, index) => (
              <DayAndBubble
                key={m.id}
                message={m}
                previous={bubbles[index - 1]}
                ref={(el) => {
                  refs.current[index] = el;
                }}
                quoted={m.replyTo ? (byWamid.get(m.replyTo) ?? null) : null}
                reactions={reactions.get(m.messageId) ?? []}
                highlighted={index === targetIndex}
                tabIndex={index === focusIndex ? 0 : -1}
                onFocus={() => setActive(index)}
                onKeyDown={(e) => {
                  if (e.target === e.currentTarget && move(index, e.key)) e.preventDefault();
                }}
              />
            ))}
          </div>
          <ReplyBox userId={userId} contact={contact} thread={thread.messages} onSent={thread.add} />
        </>
      )}
    </section>
  );
}

type DayAndBubbleProps = Parameters<typeof Bubble>[0] & { previous: Message | undefined };

function DayAndBubble({ previous, ref, ...props }: DayAndBubbleProps) {
  const day = formatDay(props.message.timestamp);
  const newDay = !previous || formatDay(previous.timestamp) !== day;
  return (
    <>
      {newDay && (
        <p className="day" role="separator">
          {day}
        </p>
      )}
      <Bubble ref={ref} {...props} />
    </>
  );
}
