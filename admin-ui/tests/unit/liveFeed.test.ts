import { describe, expect, it } from 'vitest';
import { onReconnect, setLiveState } from '../../src/api/live';
import { followLiveFeed, type LiveResult, type LiveSource } from '../../src/lib/liveFeed';

/** A subscription the test drives: `emit` delivers a result as urql would. */
function fakeSubscription() {
  let deliver: ((result: LiveResult<string>) => void) | null = null;
  const source: LiveSource<string> = {
    subscribe(onResult) {
      deliver = onResult;
      return { unsubscribe: () => (deliver = null) };
    },
  };
  return { source, emit: (result: LiveResult<string>) => deliver?.(result), isOpen: () => deliver !== null };
}

const serverError = (code: string, message: string) => ({ graphQLErrors: [{ message, extensions: { code } }] });
const LAGGED = serverError('LAGGED', 'this subscription fell behind and 32 events were dropped; re-query what you show, the subscription goes on');

/** Follows a fake subscription, writing down what the screen is asked to do. */
function follow() {
  const subscription = fakeSubscription();
  const asked: string[] = [];
  const stop = followLiveFeed(subscription.source, onReconnect, {
    onData: (data) => asked.push(`apply ${data}`),
    onResync: () => asked.push('re-query'),
  });
  return { ...subscription, asked, stop };
}

describe('a live feed', () => {
  it('applies each event as it comes', () => {
    const feed = follow();
    feed.emit({ data: 'A1' });
    feed.emit({ data: 'A2' });
    expect(feed.asked).toEqual(['apply A1', 'apply A2']);
    feed.stop();
  });

  it('re-queries when the server says LAGGED, and goes on applying the events after it', () => {
    const feed = follow();
    feed.emit({ data: 'A1' });
    feed.emit({ error: LAGGED });
    feed.emit({ data: 'A2' });
    expect(feed.asked).toEqual(['apply A1', 're-query', 'apply A2']);
    feed.stop();
  });

  it('neither applies nor re-queries on other errors', () => {
    const feed = follow();
    feed.emit({ error: serverError('FORBIDDEN', 'not yours') });
    feed.emit({ error: { networkError: new Error('offline') } });
    expect(feed.asked).toEqual([]);
    feed.stop();
  });

  it('re-queries when the socket is connected again, not when it first connects', () => {
    const feed = follow();
    setLiveState('connected', false);
    expect(feed.asked).toEqual([]);
    setLiveState('reconnecting');
    expect(feed.asked).toEqual([]);
    setLiveState('connected', true);
    expect(feed.asked).toEqual(['re-query']);
    feed.stop();
  });

  it('stops following both the subscription and the socket when stopped', () => {
    const feed = follow();
    feed.stop();
    expect(feed.isOpen()).toBe(false);
    setLiveState('connected', true);
    expect(feed.asked).toEqual([]);
  });
});
