// What a chat bubble shows for each of Meta's message types, read from the message's raw
// JSON (Meta's object inbound, the object sent outbound); `content` is the fallback.
import type { Message } from './types';

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

export interface ContactCard {
  name: string;
  phones: string[];
}

export type Body =
  | { kind: 'text'; text: string }
  | { kind: 'media'; media: MediaKind; mediaId: string | null; caption?: string; fileName?: string; voice: boolean }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: 'contacts'; cards: ContactCard[] }
  | { kind: 'interactive'; title: string; description?: string; prompt?: string }
  | { kind: 'reaction'; emoji: string; target: string | null }
  | { kind: 'template'; name: string }
  | { kind: 'edited'; body: Body }
  | { kind: 'other'; text: string };

const MEDIA: readonly string[] = ['image', 'video', 'audio', 'document', 'sticker'];

/** The bubble's body for a message. */
export function bodyOf(message: Pick<Message, 'type' | 'content' | 'raw' | 'mediaId' | 'replyTo'>): Body {
  const raw = asObject(message.raw);
  const part = asObject(raw[message.type]);
  const str = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
  switch (message.type) {
    case 'text':
      return { kind: 'text', text: str(part.body) ?? message.content };
    case 'location': {
      const latitude = Number(part.latitude);
      const longitude = Number(part.longitude);
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) break;
      return { kind: 'location', latitude, longitude, name: str(part.name), address: str(part.address) };
    }
    case 'contacts':
      return { kind: 'contacts', cards: cardsOf(raw.contacts) };
    case 'interactive':
      return interactiveOf(part, message.content);
    case 'button':
      return { kind: 'interactive', title: str(part.text) ?? str(part.payload) ?? message.content };
    case 'reaction':
      return { kind: 'reaction', emoji: str(part.emoji) ?? '', target: str(part.message_id) ?? message.replyTo ?? null };
    case 'template':
      return { kind: 'template', name: str(part.name) ?? message.content };
    case 'edit': {
      // An edit (WhatsApp Business app numbers) shows the message it now is.
      const edited = asObject(part.message);
      if (typeof edited.type !== 'string' || edited.type === 'edit') break;
      return { kind: 'edited', body: bodyOf({ ...message, type: edited.type, raw: edited }) };
    }
    default:
      if (MEDIA.includes(message.type)) {
        return {
          kind: 'media',
          media: message.type as MediaKind,
          mediaId: message.mediaId ?? str(part.id) ?? null,
          caption: str(part.caption),
          fileName: str(part.filename),
          voice: part.voice === true,
        };
      }
  }
  return { kind: 'other', text: message.content };
}

/** A map link for a location. */
export function mapLink(latitude: number, longitude: number): string {
  return `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`;
}

function interactiveOf(part: Record<string, unknown>, content: string): Body {
  // A contact's reply to buttons or a list…
  for (const key of ['button_reply', 'list_reply']) {
    const reply = asObject(part[key]);
    if (typeof reply.title === 'string') {
      const description = typeof reply.description === 'string' ? reply.description : undefined;
      return { kind: 'interactive', title: reply.title, description };
    }
  }
  // …or buttons, a list or a link the business sent.
  const body = asObject(part.body);
  const action = asObject(part.action);
  const buttons = Array.isArray(action.buttons)
    ? action.buttons.map((b) => asObject(asObject(b).reply).title).filter((t): t is string => typeof t === 'string')
    : [];
  const prompt = typeof body.text === 'string' ? body.text : undefined;
  if (prompt) {
    const choice = buttons.length ? buttons.join(' · ') : typeof action.button === 'string' ? action.button : '';
    return { kind: 'interactive', title: choice, prompt };
  }
  return { kind: 'other', text: content };
}

function cardsOf(value: unknown): ContactCard[] {
  if (!Array.isArray(value)) return [];
  return value.map((card) => {
    const c = asObject(card);
    const name = asObject(c.name);
    const phones = Array.isArray(c.phones)
      ? c.phones.map((p) => asObject(p).phone).filter((p): p is string => typeof p === 'string')
      : [];
    return { name: typeof name.formatted_name === 'string' ? name.formatted_name : 'Contact', phones };
  });
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return asObject(JSON.parse(value));
    } catch {
      return {};
    }
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
