// The whole conversation with one contact, oldest first, kept current by live events.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { ThreadQuery } from '../../api/operations';
import { useMessageEvents } from '../../api/events';
import { describeError } from '../../lib/errors';
import { applyToThread, upsert } from '../../lib/merge';
import type { Message } from '../../lib/types';

/** How many of the latest messages a thread shows. */
export const THREAD_LENGTH = 500;

export function useThread(userId: string, contact: string) {
  const client = useClient();
  const [messages, setMessages] = useState<Message[]>([]);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [lastArrival, setLastArrival] = useState<Message | null>(null);
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    const result = await client
      .query(ThreadQuery, { userId, contact, last: THREAD_LENGTH }, { requestPolicy: 'network-only' })
      .toPromise();
    if (mine !== generation.current) return;
    if (result.data) {
      // Keep what arrived live while the query ran.
      setMessages((current) => current.reduce((list, m) => upsert(list, m, 'oldest-first'), result.data!.thread.slice()));
      setStatus('ready');
    } else {
      setError(describeError(result.error));
      setStatus('error');
    }
  }, [client, userId, contact]);

  useEffect(() => {
    setStatus('loading');
    void load();
  }, [load]);

  useMessageEvents(
    userId,
    (event) => {
      setMessages((list) => applyToThread(list, event, contact));
      if (event.kind === 'NEW_MESSAGE' && (event.conversation.from === contact || event.conversation.to === contact)) {
        setLastArrival(event.conversation);
      }
    },
    () => void load(),
  );

  const add = useCallback((message: Message) => setMessages((list) => upsert(list, message, 'oldest-first')), []);

  return { messages, status, error, reload: load, add, lastArrival };
}
