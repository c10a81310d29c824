// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationsTable } from '../../src/features/conversations/ConversationsTable';
import { Bubble } from '../../src/features/thread/Bubble';
import { MessageBody } from '../../src/features/thread/MessageBody';
import { ThreadTitle } from '../../src/features/thread/ThreadTitle';
import { isolate } from '../../src/lib/format';
import { message } from './fixtures';

const SARAH = 'שרה כהן';
const HEBREW_TEXT = 'שלום, מה שלומך?';
const hebrew = () => message({ from: '972501234567', contactName: SARAH, content: HEBREW_TEXT, raw: { text: { body: HEBREW_TEXT } } });

afterEach(cleanup);

describe('right-to-left text', () => {
  it('isolates the name and the number in the thread heading', () => {
    const { container } = render(createElement(ThreadTitle, { name: SARAH, contact: '972501234567' }));
    const isolated = [...container.querySelectorAll('h2 bdi')].map((el) => el.textContent);
    expect(isolated).toEqual([SARAH, '+972501234567']);
    expect(container.textContent).toBe(`Conversation with ${SARAH} (+972501234567)`);
  });

  it("gives a message's text and an image's caption their own direction", () => {
    const text = render(createElement(MessageBody, { message: hebrew() }));
    expect(text.getByText(HEBREW_TEXT).getAttribute('dir')).toBe('auto');
    cleanup();
    const image = message({ type: 'image', mediaId: null, raw: { image: { caption: HEBREW_TEXT } } });
    const captioned = render(createElement(MessageBody, { message: image }));
    expect(captioned.getByText(HEBREW_TEXT).getAttribute('dir')).toBe('auto');
  });

  it("isolates the sender's name in a bubble's accessible name", () => {
    const { container } = render(
      createElement(Bubble, { message: hebrew(), quoted: null, reactions: [], highlighted: false, tabIndex: 0, onKeyDown: () => {}, onFocus: () => {} }),
    );
    expect(container.querySelector('article')?.getAttribute('aria-label')).toMatch(new RegExp(`^${isolate(SARAH)}, `));
  });

  it("gives the table's content and contact name their own direction, and isolates them in the row's name", () => {
    const { container, getByText } = render(createElement(ConversationsTable, { messages: [hebrew()], arrived: new Set<string>(), onOpen: () => {} }));
    expect(getByText(HEBREW_TEXT).getAttribute('dir')).toBe('auto');
    expect(getByText(SARAH).getAttribute('dir')).toBe('auto');
    expect(getByText('+972501234567').tagName).toBe('BDI');
    const row = container.querySelector('tbody tr');
    expect(row?.getAttribute('aria-label')).toBe(`From ${isolate('+972501234567')}: ${isolate(HEBREW_TEXT)}`);
  });
});
