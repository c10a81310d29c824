// Inline media through the authenticated media route: images and stickers at once, video and
// audio on request, documents as a download.
import { useState } from 'react';
import { downloadMedia, useMedia } from '../../api/media';
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
  const alt = sticker ? 'Sticker' : caption ? `Image: ${caption}` : 'Image';
  if (state.status === 'ready') return <img className={sticker ? 'sticker' : 'photo'} src={state.url} alt={alt} />;
  if (state.status === 'error') return <p className="media-missing">{alt}: {state.message}</p>;
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
  if (state.status === 'error') return <p className="media-missing">{state.message}</p>;
  return <p className="muted">Loading {label}…</p>;
}

function DocumentLink({ mediaId, fileName }: { mediaId: string; fileName: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="document">
      <span aria-hidden="true">📄</span>
      <span className="document__name">{fileName}</span>
      <button
        type="button"
        className="button button--small"
        onClick={() => downloadMedia(mediaId, fileName).then(() => setError(null), (e: Error) => setError(e.message))}
      >
        Download<span className="sr-only"> {fileName}</span>
      </button>
      {error && <span className="media-missing">{error}</span>}
    </div>
  );
}
