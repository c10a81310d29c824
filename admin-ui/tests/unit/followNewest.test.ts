// @vitest-environment jsdom
import { renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useFollowNewest } from '../../src/components/useFollowNewest';

/** A scrolling element whose geometry the test sets (jsdom lays nothing out). */
function scroller(scrollHeight: number, clientHeight: number) {
  const el = document.createElement('div');
  Object.defineProperty(el, 'scrollHeight', { value: scrollHeight, configurable: true });
  Object.defineProperty(el, 'clientHeight', { value: clientHeight });
  return el;
}

describe('following the newest message', () => {
  it('follows while the reader is at the end, however tall the new message, and not once they scrolled up', () => {
    const el = scroller(2000, 500);
    const shown: string[] = [];
    const { result, rerender } = renderHook(({ newest, ready }) => useFollowNewest({ current: el }, newest, ready, () => shown.push(newest)), {
      initialProps: { newest: 'm1', ready: false },
    });
    rerender({ newest: 'm1', ready: true });
    expect(shown, "placing the list is the caller's").toEqual([]);

    el.scrollTop = 1500; // at the end
    result.current();
    Object.defineProperty(el, 'scrollHeight', { value: 2900, configurable: true }); // a 900 px message arrives
    rerender({ newest: 'm2', ready: true });
    expect(shown).toEqual(['m2']);

    el.scrollTop = 800; // the reader scrolls up to read
    result.current();
    rerender({ newest: 'm3', ready: true });
    expect(shown, 'left where the reader is').toEqual(['m2']);
  });

  it('follows again when an image loads and makes the list taller, unless the reader scrolled up', () => {
    const el = scroller(2000, 500);
    const image = el.appendChild(document.createElement('img'));
    let shown = 0;
    const { result, rerender } = renderHook(({ ready }) => useFollowNewest({ current: el }, 'm1', ready, () => shown++), {
      initialProps: { ready: false },
    });
    el.scrollTop = 1500; // the caller placed the reader at the end
    rerender({ ready: true });
    Object.defineProperty(el, 'scrollHeight', { value: 2300, configurable: true }); // the image loads, 300 px tall
    image.dispatchEvent(new Event('load'));
    expect(shown).toBe(1);

    el.scrollTop = 200; // the reader scrolls up to read
    result.current();
    image.dispatchEvent(new Event('load'));
    expect(shown, 'left where the reader is').toBe(1);
  });

  it('does not follow a loading image when the caller placed the reader above the end', () => {
    const el = scroller(2000, 500);
    const image = el.appendChild(document.createElement('img'));
    let shown = 0;
    const { rerender } = renderHook(({ ready }) => useFollowNewest({ current: el }, 'm1', ready, () => shown++), {
      initialProps: { ready: false },
    });
    el.scrollTop = 700; // opened at a message in the middle
    rerender({ ready: true });
    image.dispatchEvent(new Event('load'));
    expect(shown).toBe(0);
  });

  it('leaves alone the first load, which the caller scrolls to the message it opens at', () => {
    const shown: string[] = [];
    const { rerender } = renderHook(({ newest, ready }) => useFollowNewest({ current: scroller(2000, 500) }, newest, ready, () => shown.push(newest ?? '')), {
      initialProps: { newest: undefined as string | undefined, ready: false },
    });
    rerender({ newest: 'm9', ready: false });
    expect(shown).toEqual([]);
  });
});
