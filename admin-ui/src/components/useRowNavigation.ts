// Roving focus over rows: one row is in the tab order, the arrow keys move focus, Enter opens.
import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { nextRowIndex } from '../lib/rowNavigation';

export function useRowNavigation<T extends HTMLElement>(count: number, onOpen: (index: number) => void) {
  const [active, setActive] = useState(0);
  const rows = useRef<(T | null)[]>([]);
  const current = Math.min(active, Math.max(count - 1, 0));

  const focusRow = useCallback((index: number) => {
    setActive(index);
    rows.current[index]?.focus();
  }, []);

  const rowProps = (index: number) => ({
    ref: (el: T | null) => {
      rows.current[index] = el;
    },
    tabIndex: index === current ? 0 : -1,
    onFocus: () => setActive(index),
    onKeyDown: (event: KeyboardEvent<T>) => {
      if (event.target !== event.currentTarget) return;
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onOpen(index);
        return;
      }
      const next = nextRowIndex(index, event.key, count);
      if (next === null) return;
      event.preventDefault();
      focusRow(next);
    },
  });

  return { rowProps, focusRow, active: current };
}
