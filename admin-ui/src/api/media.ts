// Media bytes from `GET /api/media/{mediaId}`: the route wants the bearer token, which an
// <img src> cannot send, so the bytes are fetched and shown through a blob URL.
import { useEffect, useState } from 'react';
import { currentToken, endSession } from './session';

export type MediaState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; url: string; type: string }
  | { status: 'error'; message: string; retry: () => void };

/** Fetches one media file; the caller revokes the URL. */
export async function fetchMedia(mediaId: string, signal?: AbortSignal): Promise<{ url: string; type: string }> {
  const token = currentToken();
  const response = await fetch(`/api/media/${encodeURIComponent(mediaId)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal,
  });
  if (response.status === 401) {
    endSession('expired');
    throw new Error('Your session has ended.');
  }
  if (!response.ok) throw new Error(await failureMessage(response));
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), type: blob.type };
}

/** Why a media request failed: the server's own `error.message` (its JSON body) when it gave one. */
async function failureMessage(response: Response): Promise<string> {
  const reason = await response.json().then(
    (body: { error?: { message?: unknown } } | null) => body?.error?.message,
    () => undefined,
  );
  if (typeof reason === 'string' && reason.trim()) return `The file could not be loaded (HTTP ${response.status}): ${reason.trim()}`;
  return response.status === 404 ? 'The file is not available (yet).' : `The file could not be loaded (HTTP ${response.status}).`;
}

/** The blob URL of a media file while the component is shown; `enabled` defers the download. A
 *  failure carries `retry`, which downloads it again. */
export function useMedia(mediaId: string | null, enabled = true): MediaState {
  const [state, setState] = useState<MediaState>({ status: 'idle' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!mediaId || !enabled) return;
    const controller = new AbortController();
    let url: string | null = null;
    setState({ status: 'loading' });
    fetchMedia(mediaId, controller.signal).then(
      (file) => {
        url = file.url;
        setState({ status: 'ready', ...file });
      },
      (error: Error) => {
        const retry = () => setAttempt((n) => n + 1);
        if (!controller.signal.aborted) setState({ status: 'error', message: error.message, retry });
      },
    );
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [mediaId, enabled, attempt]);
  return state;
}

/** Downloads a file under its name (documents). */
export async function downloadMedia(mediaId: string, fileName: string) {
  const file = await fetchMedia(mediaId);
  const link = document.createElement('a');
  link.href = file.url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(file.url), 10_000);
}
