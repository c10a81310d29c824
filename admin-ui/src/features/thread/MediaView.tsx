// Inline media through the authenticated media route: images and stickers at once, video and
// audio on request, documents as a download.
import { useState } from 'react';
import { downloadMedia, useMedia } from '../../api/media';
import { isolate } from '../../lib/format';
import type { MediaKind } from '../../lib/messageView';

interface Props {
  media: MediaKind;
  mediaId: string | null;
  fileName?: string;
  caption?: string;
  voice: boolean;
}

export function MediaView({ media, mediaId, fileName, caption, voice }: Props) {
  if (!mediaId) return <p className="muted">[{media}] (no file)</p>;
  if (media === 'image' || media === 'sticker') return <InlineImage mediaId={mediaId} sticker={media === 'sticker'} caption={caption} />;
  if (media === 'document') return <DocumentLink mediaId={mediaId} fileName={fileName ?? 'document'} />;
  return <Playable mediaId={mediaId} kind={media} voice={voice} />;
}

function InlineImage({ mediaId, sticker, caption }: { mediaId: string; sticker: boolean; caption?: string }) {
  const state = useMedia(mediaId);
  const alt = sticker ? 'Sticker' : caption ? `Image: ${isolate(caption)}` : 'Image';
  if (state.status === 'ready') return <img className={sticker ? 'sticker' : 'photo'} src={state.url} alt={alt} />;
  if (state.status === 'error') return <MediaFailure what={alt} message={state.message} onRetry={state.retry} />;
  return <div className={`media-placeholder${sticker ? ' media-placeholder--sticker' : ''}`} role="img" aria-label={`${alt}, loading`} />;
}

function Playable({ mediaId, kind, voice }: { mediaId: string; kind: 'video' | 'audio'; voice: boolean }) {
  const [wanted, setWanted] = useState(false);
  const state = useMedia(mediaId, wanted);
  const label = kind === 'video' ? 'video' : voice ? 'voice message' : 'audio';
  if (!wanted) {
    return (
      <button type="button" className="button button--small" onClick={() => setWanted(true)}>
        ▶ Load {label}
      </button>
    );
  }
  if (state.status === 'ready') {
    return kind === 'video' ? (
      <video className="photo" src={state.url} controls aria-label="Video" />
    ) : (
      <audio src={state.url} controls aria-label={label} />
    );
  }
  if (state.status === 'error') {
    return <MediaFailure what={label.charAt(0).toUpperCase() + label.slice(1)} message={state.message} onRetry={state.retry} />;
  }
  return <p className="muted">Loading {label}…</p>;
}

/** Why a file could not be shown, and a way to try again. */
function MediaFailure({ what, message, onRetry }: { what: string; message: string; onRetry: () => void }) {
  return (
    <p className="media-missing">
      {what}: {message}{' '}
      <button type="button" className="button button--small" onClick={onRetry}>
        Try again
      </button>
    </p>
  );
}

function DocumentLink({ mediaId, fileName }: { mediaId: string; fileName: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="document">
      <span aria-hidden="true">📄</span>
      <bdi className="document__name">{fileName}</bdi>
      <button
        type="button"
        className="button button--small"
        onClick={() => downloadMedia(mediaId, fileName).then(() => setError(null), (e: Error) => setError(e.message))}
      >
        Download<span className="sr-only"> {isolate(fileName)}</span>
      </button>
      {error && <span className="media-missing">{error}</span>}
    </div>
  );
}
