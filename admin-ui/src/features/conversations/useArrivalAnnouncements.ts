// Live arrivals gathered into batches for the screen reader: the events of one webhook come one
// by one, a few milliseconds apart, and are said as one sentence once they stop coming.
import { useCallback, useEffect, useRef, useState } from 'react';
import { announceArrivals } from '../../lib/arrivals';
import type { Message } from '../../lib/types';

/** How long after the first arrival of a batch it is announced. */
const BATCH_MS = 800;
/** How many past announcements the live region keeps. */
const KEPT = 5;

export interface Announcement {
  id: number;
  text: string;
}

/** The latest announcements, oldest first, and `arrived` to call for each new message. */
export function useArrivalAnnouncements() {
  const [announcements, setAnnouncements] = useState<Announcement[]>([]);
  const batch = useRef<Message[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const count = useRef(0);

  const arrived = useCallback((message: Message) => {
    batch.current.push(message);
    timer.current ??= setTimeout(() => {
      const text = announceArrivals(batch.current);
      batch.current = [];
      timer.current = undefined;
      setAnnouncements((shown) => [...shown, { id: ++count.current, text }].slice(-KEPT));
    }, BATCH_MS);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);

  return { announcements, arrived };
}
