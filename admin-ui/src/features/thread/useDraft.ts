import { useCallback, useState } from 'react';
import { draftKey, loadDraft, saveDraft } from '../../lib/drafts';

/** The reply being written to `contact`, restored from and kept in sessionStorage. */
export function useDraft(userId: string, contact: string): [string, (text: string) => void] {
  const key = draftKey(userId, contact);
  const [draft, setDraft] = useState(() => ({ key, text: loadDraft(key) }));
  const setText = useCallback(
    (text: string) => {
      saveDraft(key, text);
      setDraft({ key, text });
    },
    [key],
  );
  return [draft.key === key ? draft.text : loadDraft(key), setText];
}
