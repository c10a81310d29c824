// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { Provider, type Client } from 'urql';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationsPage } from '../../src/features/conversations/ConversationsPage';
import { announceArrivals } from '../../src/lib/arrivals';
import { isolate } from '../../src/lib/format';
import { message, outbound } from './fixtures';

afterEach(cleanup);

/** A client whose first page is empty and whose message events the test sends. */
function liveServer() {
  const listeners: ((result: { data: unknown }) => void)[] = [];
  const client = {
    query: () => ({ toPromise: async () => ({ data: { conversations: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } }) }),
    subscription: () => ({
      subscribe: (onResult: (result: { data: unknown }) => void) => {
        listeners.push(onResult);
        return { unsubscribe: () => {} };
      },
    }),
  } as unknown as Client;
  const publish = (conversation: ReturnType<typeof message>) =>
    act(() => listeners.forEach((l) => l({ data: { messageEvents: { kind: 'NEW_MESSAGE', conversation } } })));
  return { client, publish };
}

describe('live arrivals, for a screen reader', () => {
  it('announces a batch as one sentence that counts its messages, not as the last of them', async () => {
    const server = liveServer();
    render(createElement(Provider, { value: server.client }, createElement(ConversationsPage, { userId: '3' })));
    await screen.findByText('No messages yet.');
    for (const content of ['one', 'two', 'three']) server.publish(message({ content }));
    const log = screen.getByRole('log', { name: 'New messages' });
    await waitFor(() => expect(log.textContent).toBe(`3 new messages from ${isolate('Ana')}`), { timeout: 3_000 });
  });
});

describe('the sentence for a batch', () => {
  const ben = (over = {}) => message({ from: '4915112345678', contactName: 'Ben', ...over });

  it('reads a single message in full', () => {
    expect(announceArrivals([message({ content: 'Bonjour' })])).toBe(`New message from ${isolate('Ana')}: ${isolate('Bonjour')}`);
    expect(announceArrivals([outbound({ content: 'Hi' })])).toBe(`New message to ${isolate('+33612345678')}: ${isolate('Hi')}`);
  });

  it('counts a batch and names its contacts, a few at most', () => {
    expect(announceArrivals([message(), ben(), message()])).toBe(`3 new messages from ${isolate('Ana')} and ${isolate('Ben')}`);
    expect(announceArrivals([message(), outbound()])).toBe(`2 new messages with ${isolate('Ana')}`);
    const many = ['1', '2', '3', '4', '5'].map((n) => message({ from: `3361234567${n}`, contactName: `C${n}` }));
    expect(announceArrivals(many)).toBe(`5 new messages from ${['C1', 'C2', 'C3'].map(isolate).join(', ')} and 2 others`);
  });
});
