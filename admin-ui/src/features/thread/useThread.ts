// The whole conversation with one contact, oldest first, kept current by live events; a
// resync loads it again in place.
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
  /** `error`: the thread could not be loaded; a thread on screen stays `ready`, `error` set. */
  const [status, setStatus] = useState<'loading' | 'ready' | 'refreshing' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [lastArrival, setLastArrival] = useState<Message | null>(null);
  const generation = useRef(0);
  /** Whether the thread is on screen: loading it again (a resync) then keeps it there. */
  const shown = useRef(false);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    if (shown.current) {
      setStatus('refreshing');
      setError(null);
    }
    const result = await client
      .query(ThreadQuery, { userId, contact, last: THREAD_LENGTH }, { requestPolicy: 'network-only' })
      .toPromise();
    if (mine !== generation.current) return;
    if (result.data) {
      // Keep what arrived live while the query ran.
      setMessages((current) => current.reduce((list, m) => upsert(list, m, 'oldest-first'), result.data!.thread.slice()));
      shown.current = true;
      setError(null);
      setStatus('ready');
    } else {
      // A thread on screen stays there, the error above it.
      setError(describeError(result.error));
      setStatus(shown.current ? 'ready' : 'error');
    }
  }, [client, userId, contact]);

  useEffect(() => {
    shown.current = false;
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
