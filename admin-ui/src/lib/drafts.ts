// Replies being written, kept in sessionStorage per thread so that a draft outlives the page:
// the session ending (sign-in again, then back to the thread) or a reload of the tab.

/** The storage key of the draft to `contact` in the messages of user `userId`. */
export function draftKey(userId: string, contact: string): string {
  return `wagate.draft:${userId}:${contact}`;
}

/** The draft kept under `key`, or '' (also when storage is unavailable). */
export function loadDraft(key: string): string {
  try {
    return sessionStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** Keeps `text` under `key`; an empty draft is removed. Storage being full or refused is ignored:
 *  the draft is then only on screen. */
export function saveDraft(key: string, text: string): void {
  try {
    if (text) sessionStorage.setItem(key, text);
    else sessionStorage.removeItem(key);
  } catch {
    // Nothing to do: the text box still holds the draft.
  }
}
