// Keyboard movement through a list of rows (table rows, chat bubbles): the arrow keys, Home,
// End, Page Up and Page Down, clamped to the list.

/** The row to focus after `key`, or null when the key does not move. */
export function nextRowIndex(current: number, key: string, count: number, pageSize = 10): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  const from = Math.min(Math.max(current, 0), last);
  switch (key) {
    case 'ArrowDown':
      return Math.min(from + 1, last);
    case 'ArrowUp':
      return Math.max(from - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageDown':
      return Math.min(from + pageSize, last);
    case 'PageUp':
      return Math.max(from - pageSize, 0);
    default:
      return null;
  }
}
