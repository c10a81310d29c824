// What a paged list showed when its page was left, kept in memory for a while, so that coming
// back to the same URL (the browser's Back, or the thread's "← Messages") shows the same rows
// — the pages loaded with "load more" among them — where the reader left them.

/** How many lists are remembered; the least recently left is forgotten first. */
const LIMIT = 10;
const memory = new Map<string, unknown>();

/** Keeps `value` under `key`. */
export function remember(key: string, value: unknown): void {
  memory.delete(key);
  memory.set(key, value);
  if (memory.size > LIMIT) memory.delete(memory.keys().next().value as string);
}

/** What was kept under `key`; the caller knows its type. */
export function recall<T>(key: string): T | undefined {
  return memory.get(key) as T | undefined;
}

/** Forgets every list: the session ended, and the next one may not see them. */
export function forgetLists(): void {
  memory.clear();
}
