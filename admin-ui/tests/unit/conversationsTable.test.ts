// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationsTable } from '../../src/features/conversations/ConversationsTable';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { message } from './fixtures';

afterEach(cleanup);

/** The stylesheet as written (vitest does not process CSS). */
const styles = readFileSync(resolve(__dirname, '../../src/styles.css'), 'utf8');

/** The declarations of the stylesheet's rule for exactly `selector`. */
function rule(selector: string): string {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return styles.match(new RegExp(`(?:^|\\n)${escaped}\\s*\\{([^}]*)\\}`))?.[1] ?? '';
}

describe('a long message in the table', () => {
  const long = 'A very long message. '.repeat(300);

  it('is clamped to three lines, its whole text in the tooltip and the row name', () => {
    const { container } = render(
      createElement(ConversationsTable, { messages: [message({ content: long, contactName: 'A name far too long to fit '.repeat(5) })], arrived: new Set<string>(), onOpen: () => {} }),
    );
    const text = container.querySelector('.content-cell .content-cell__text');
    expect(text?.getAttribute('title')).toBe(long);
    expect(container.querySelector('tbody tr')?.getAttribute('aria-label')).toContain(long);
    expect(rule('.content-cell__text')).toMatch(/-webkit-line-clamp:\s*3/);
    expect(rule('.content-cell__text')).toMatch(/overflow:\s*hidden/);
  });

  it("bounds the contact name's width, with an ellipsis", () => {
    expect(rule('.contact__name')).toMatch(/max-width:/);
    expect(rule('.contact__name')).toMatch(/text-overflow:\s*ellipsis/);
  });
});
