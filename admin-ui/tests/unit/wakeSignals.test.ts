// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { browserWakeSignals } from '../../src/api/liveSocket';

const showTab = (state: 'visible' | 'hidden') => {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
};

describe("the browser's signals to reconnect at once", () => {
  it('are the browser coming back online and the tab being shown, until unsubscribed', () => {
    let woken = 0;
    const stop = browserWakeSignals(() => woken++);
    window.dispatchEvent(new Event('online'));
    expect(woken).toBe(1);
    showTab('hidden');
    expect(woken, 'a tab being hidden is no reason').toBe(1);
    showTab('visible');
    expect(woken).toBe(2);
    stop();
    window.dispatchEvent(new Event('online'));
    showTab('visible');
    expect(woken).toBe(2);
  });
});
