// A scrolling list that follows its newest item while the reader is at the end of it, however
// tall the new items are or however many arrive at once, and stays put once they scroll up. An
// image that loads after its message was followed makes the list taller: it is followed again.
import { useCallback, useEffect, useRef, type RefObject } from 'react';

/** How close to the end, in pixels, still counts as at the end. */
const SLACK = 48;

/**
 * Calls `showNewest` when `newest` changes if the reader was at the end of `list` before it
 * changed; returns the `onScroll` handler that keeps track of that. `ready` is false until the
 * list has been placed: the first scroll is the caller's (to a message it opens at), so the
 * change of `newest` that comes with the first load is left alone; where that placing left the
 * reader is read once `ready` turns true. An image (or any element) loading inside the list
 * while the reader is at the end calls `showNewest` too.
 */
export function useFollowNewest(
  list: RefObject<HTMLElement | null>,
  newest: string | undefined,
  ready: boolean,
  showNewest: () => void,
): () => void {
  const atEnd = useRef(true);
  const onScroll = useCallback(() => {
    const el = list.current;
    if (el) atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight <= SLACK;
  }, [list]);
  const show = useRef(showNewest);
  show.current = showNewest;
  const placed = useRef(ready);
  placed.current = ready;
  useEffect(() => {
    if (placed.current && atEnd.current) show.current();
  }, [newest]);
  useEffect(() => {
    const el = list.current;
    if (!ready || !el) return;
    onScroll();
    const followLoaded = () => {
      if (atEnd.current) show.current();
    };
    // `load` does not bubble: the list hears its images' loads while capturing.
    el.addEventListener('load', followLoaded, true);
    return () => el.removeEventListener('load', followLoaded, true);
  }, [list, ready, onScroll]);
  return onScroll;
}
