// The inside of a bubble, by message type.
import { type Body, bodyOf, mapLink } from '../../lib/messageView';
import type { Message } from '../../lib/types';
import { MediaView } from './MediaView';

export function MessageBody({ message }: { message: Message }) {
  return <BodyView body={bodyOf(message)} />;
}

function BodyView({ body }: { body: Body }) {
  switch (body.kind) {
    case 'text':
      return (
        <p className="bubble__text" dir="auto">
          {body.text}
        </p>
      );
    case 'media':
      return (
        <>
          <MediaView media={body.media} mediaId={body.mediaId} fileName={body.fileName} caption={body.caption} voice={body.voice} />
          {body.caption && (
            <p className="bubble__text bubble__caption" dir="auto">
              {body.caption}
            </p>
          )}
        </>
      );
    case 'location':
      return (
        <p className="bubble__location">
          <span aria-hidden="true">📍 </span>
          {body.name && (
            <strong>
              <bdi>{body.name}</bdi>
            </strong>
          )}
          {body.address && (
            <span className="muted">
              {' '}
              <bdi>{body.address}</bdi>
            </span>
          )}
          <br />
          <a href={mapLink(body.latitude, body.longitude)} target="_blank" rel="noreferrer noopener">
            {body.latitude}, {body.longitude}
            <span className="sr-only"> (opens a map)</span>
          </a>
        </p>
      );
    case 'contacts':
      return (
        <ul className="cards" aria-label="Contact cards">
          {body.cards.map((card, i) => (
            <li key={i} className="contact-card">
              <span aria-hidden="true">👤 </span>
              <strong>
                <bdi>{card.name}</bdi>
              </strong>
              {card.phones.map((p) => (
                <span key={p} className="contact-card__phone">
                  {p}
                </span>
              ))}
            </li>
          ))}
        </ul>
      );
    case 'interactive':
      return (
        <div className="bubble__interactive">
          {body.prompt && (
            <p className="bubble__text" dir="auto">
              {body.prompt}
            </p>
          )}
          {body.title && (
            <p className="choice">
              <span aria-hidden="true">↩ </span>
              <span className="sr-only">Choice: </span>
              <bdi>{body.title}</bdi>
            </p>
          )}
          {body.description && (
            <p className="muted" dir="auto">
              {body.description}
            </p>
          )}
        </div>
      );
    case 'reaction':
      return <p className="bubble__text">Reacted {body.emoji || '(removed)'}</p>;
    case 'template':
      return (
        <p className="bubble__text">
          <span className="muted">Template </span>
          <strong>
            <bdi>{body.name}</bdi>
          </strong>
        </p>
      );
    case 'edited':
      return (
        <>
          <p className="muted">Edited</p>
          <BodyView body={body.body} />
        </>
      );
    default:
      return (
        <p className="bubble__text muted" dir="auto">
          {body.text}
        </p>
      );
  }
}
