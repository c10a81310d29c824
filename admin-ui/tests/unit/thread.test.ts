import { describe, expect, it } from 'vitest';
import { bodyOf } from '../../src/lib/messageView';
import { reactionTarget, withReactions } from '../../src/lib/reactions';
import { serviceWindow } from '../../src/lib/serviceWindow';
import { message, outbound } from './fixtures';

describe('what a bubble shows', () => {
  it("reads an image's caption and media id", () => {
    const m = message({ type: 'image', mediaId: 'm1', content: '[image] Look', raw: { image: { id: 'm1', caption: 'Look' } } });
    expect(bodyOf(m)).toEqual({ kind: 'media', media: 'image', mediaId: 'm1', caption: 'Look', fileName: undefined, voice: false });
  });

  it("reads a document's file name", () => {
    const m = message({ type: 'document', raw: { document: { id: 'd1', filename: 'cv.pdf' } } });
    expect(bodyOf(m)).toMatchObject({ kind: 'media', media: 'document', mediaId: 'd1', fileName: 'cv.pdf' });
  });

  it('reads an edit as the message it now is, media included', () => {
    const edit = message({
      type: 'edit',
      mediaId: 'i9',
      content: '[edited] [image] New caption',
      raw: { edit: { original_message_id: 'w1', message: { type: 'image', image: { id: 'i9', caption: 'New caption' } } } },
    });
    expect(bodyOf(edit)).toEqual({
      kind: 'edited',
      body: { kind: 'media', media: 'image', mediaId: 'i9', caption: 'New caption', fileName: undefined, voice: false },
    });
    const text = message({ type: 'edit', raw: { edit: { message: { type: 'text', text: { body: 'Fixed' } } } } });
    expect(bodyOf(text)).toEqual({ kind: 'edited', body: { kind: 'text', text: 'Fixed' } });
    const bare = message({ type: 'edit', content: '[edited]', raw: { edit: { original_message_id: 'w1' } } });
    expect(bodyOf(bare)).toEqual({ kind: 'other', text: '[edited]' });
  });

  it('reads a location with its place', () => {
    const m = message({ type: 'location', raw: { location: { latitude: 48.85, longitude: 2.35, name: 'Paris' } } });
    expect(bodyOf(m)).toEqual({ kind: 'location', latitude: 48.85, longitude: 2.35, name: 'Paris', address: undefined });
  });

  it('reads contact cards', () => {
    const m = message({
      type: 'contacts',
      raw: { contacts: [{ name: { formatted_name: 'Ana B' }, phones: [{ phone: '+33 6 12' }] }] },
    });
    expect(bodyOf(m)).toEqual({ kind: 'contacts', cards: [{ name: 'Ana B', phones: ['+33 6 12'] }] });
  });

  it("reads a contact's interactive reply and the buttons the business sent", () => {
    const reply = message({ type: 'interactive', raw: { interactive: { type: 'button_reply', button_reply: { id: 'y', title: 'Yes' } } } });
    expect(bodyOf(reply)).toEqual({ kind: 'interactive', title: 'Yes', description: undefined });
    const sent = outbound({
      type: 'interactive',
      raw: { interactive: { body: { text: 'Confirm?' }, action: { buttons: [{ reply: { id: 'y', title: 'Yes' } }, { reply: { id: 'n', title: 'No' } }] } } },
    });
    expect(bodyOf(sent)).toEqual({ kind: 'interactive', title: 'Yes · No', prompt: 'Confirm?' });
  });

  it('falls back to the readable content for unknown types and odd JSON', () => {
    expect(bodyOf(message({ type: 'poll_v9', content: '[poll_v9]', raw: {} }))).toEqual({ kind: 'other', text: '[poll_v9]' });
    expect(bodyOf(message({ type: 'text', content: 'hi', raw: 'not json' }))).toEqual({ kind: 'text', text: 'hi' });
  });
});

describe('reactions', () => {
  const target = outbound({ id: '1', messageId: 'wamid.T' });
  const react = (id: string, emoji: string, over = {}) =>
    message({ id, type: 'reaction', content: emoji || '[reaction removed]', replyTo: 'wamid.T', raw: { reaction: { message_id: 'wamid.T', emoji } }, ...over });

  it('are shown on the message they react to, not as bubbles', () => {
    const { bubbles, reactions } = withReactions([target, react('2', '👍')]);
    expect(bubbles.map((m) => m.id)).toEqual(['1']);
    expect(reactions.get('wamid.T')).toEqual([{ direction: 'INBOUND', emoji: '👍' }]);
  });

  it("keep each person's latest, and an empty emoji removes it", () => {
    expect(withReactions([target, react('2', '👍'), react('3', '❤️')]).reactions.get('wamid.T')).toEqual([{ direction: 'INBOUND', emoji: '❤️' }]);
    expect(withReactions([target, react('2', '👍'), react('3', '')]).reactions.has('wamid.T')).toBe(false);
  });

  it('open on the message they react to', () => {
    expect(reactionTarget(react('2', '👍'))).toBe('wamid.T');
    expect(reactionTarget(target)).toBeNull();
  });

  it('to a message not in the thread stay bubbles of their own', () => {
    const orphan = react('2', '👍', { replyTo: 'wamid.GONE', raw: { reaction: { message_id: 'wamid.GONE', emoji: '👍' } } });
    const { bubbles, reactions } = withReactions([target, orphan]);
    expect(bubbles.map((m) => m.id)).toEqual(['1', '2']);
    expect(reactions.size).toBe(0);
  });
});

describe('the 24-hour service window', () => {
  const now = new Date('2026-11-21T12:00:00Z');

  it('is open within 24 hours of the last inbound message', () => {
    const thread = [message({ timestamp: '2026-11-20T13:00:00Z' }), outbound({ timestamp: '2026-11-21T11:00:00Z' })];
    expect(serviceWindow(thread, now)).toEqual({ open: true, closesAt: new Date('2026-11-21T13:00:00Z') });
  });

  it('is closed after 24 hours, whatever the business sent since', () => {
    const thread = [message({ timestamp: '2026-11-20T11:59:00Z' }), outbound({ timestamp: '2026-11-21T11:00:00Z' })];
    expect(serviceWindow(thread, now).open).toBe(false);
  });

  it('is closed when the contact never wrote', () => {
    expect(serviceWindow([outbound()], now)).toEqual({ open: false, closesAt: null });
  });
});
