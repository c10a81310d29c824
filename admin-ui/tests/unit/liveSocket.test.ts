import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveSocket, retryDelay } from '../../src/api/liveSocket';

/** A WebSocket whose server side the test plays: it acknowledges every connection_init. */
class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static opened: FakeSocket[] = [];
  /** While set, the server is down: every connection fails before it opens. */
  static down = false;

  readyState = FakeSocket.CONNECTING;
  inits: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocol: string,
  ) {
    FakeSocket.opened.push(this);
    if (FakeSocket.down) {
      this.close(1006, 'connection refused');
      return;
    }
    setTimeout(() => {
      this.readyState = FakeSocket.OPEN;
      this.onopen?.();
    });
  }

  send(data: string) {
    const message = JSON.parse(data) as { type: string; payload?: unknown };
    if (message.type !== 'connection_init') return;
    this.inits.push(message.payload);
    setTimeout(() => this.onmessage?.({ data: JSON.stringify({ type: 'connection_ack' }) }));
  }

  /** Closed by the client, or by the test playing the server. */
  close(code = 1000, reason = '') {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    setTimeout(() => this.onclose?.({ code, reason }));
  }
}

/** A live socket on FakeSocket, writing down what it reports; `wake()` plays the browser
 *  coming back online or the tab being shown again. */
function openSocket() {
  const reports: string[] = [];
  let refusals = 0;
  const wakeListeners = new Set<() => void>();
  const socket = createLiveSocket(
    'ws://wagate.test/graphql/ws',
    'Bearer t0ken',
    { report: (state, reconnected) => reports.push(reconnected ? `${state} again` : state), onRefused: () => refusals++ },
    {
      webSocketImpl: FakeSocket,
      wakeSignals: (wake) => {
        wakeListeners.add(wake);
        return () => wakeListeners.delete(wake);
      },
    },
  );
  const wake = () => wakeListeners.forEach((listener) => listener());
  return { socket, reports, refusals: () => refusals, wake, waking: () => wakeListeners.size };
}

/** The server side of the latest connection. */
const latest = () => FakeSocket.opened.at(-1)!;

describe('the live socket', () => {
  let opened: ReturnType<typeof openSocket> | null = null;
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.opened = [];
    FakeSocket.down = false;
  });
  afterEach(() => {
    void opened?.socket.dispose();
    vi.useRealTimers();
  });

  it('connects at once with the token in connection_init; a first connection is no comeback', async () => {
    opened = openSocket();
    await vi.advanceTimersByTimeAsync(10);
    expect(opened.reports).toEqual(['connecting', 'connected']);
    expect(latest().inits).toEqual([{ Authorization: 'Bearer t0ken' }]);
  });

  it('is connected again after a server restart (1012), once the back-off has passed', async () => {
    opened = openSocket();
    await vi.advanceTimersByTimeAsync(10);
    latest().close(1012, 'Service Restart');
    await vi.advanceTimersByTimeAsync(10);
    expect(opened.reports.at(-1)).toBe('reconnecting');
    // graphql-ws waits 1 s plus 0.3 to 3 s before its first retry.
    await vi.advanceTimersByTimeAsync(4_010);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(opened.reports.slice(2)).toEqual(['reconnecting', 'reconnecting', 'connected again']);
  });

  it('is connected again after a clean close (1000), which graphql-ws does not call a retry', async () => {
    opened = openSocket();
    await vi.advanceTimersByTimeAsync(10);
    latest().close(1000, 'Normal Closure');
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(opened.reports.slice(2)).toEqual(['reconnecting', 'reconnecting', 'connected again']);
  });

  it('ends the session instead of reconnecting when the server refuses the token (4401)', async () => {
    // graphql-ws logs the close that made it give up; the session ends through onRefused.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    opened = openSocket();
    await vi.advanceTimersByTimeAsync(10);
    latest().close(4401, 'the token expired');
    await vi.advanceTimersByTimeAsync(60_000);
    logged.mockRestore();
    expect(opened.refusals()).toBe(1);
    expect(FakeSocket.opened).toHaveLength(1);
    expect(opened.reports).toEqual(['connecting', 'connected']);
  });

  it('keeps trying at least every 18 s however long the server was down', async () => {
    opened = openSocket();
    await vi.advanceTimersByTimeAsync(10);
    FakeSocket.down = true;
    latest().close(1012, 'Service Restart');
    // Ten minutes down: an uncapped doubling would be waiting 2^8 s by now.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const attempts = FakeSocket.opened.length;
    expect(attempts).toBeGreaterThan(10 * 60 / 18);
    FakeSocket.down = false;
    await vi.advanceTimersByTimeAsync(18_000);
    expect(opened.reports.at(-1)).toBe('connected again');
  });

  it('tries again at once when the browser is back online or the tab is shown, if disconnected', async () => {
    opened = openSocket();
    await vi.advanceTimersByTimeAsync(10);
    opened.wake();
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeSocket.opened, 'a connected socket is left alone').toHaveLength(1);

    latest().close(1012, 'Service Restart');
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeSocket.opened, 'waiting out the back-off').toHaveLength(1);
    opened.wake();
    await vi.advanceTimersByTimeAsync(10);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(opened.reports.at(-1)).toBe('connected again');
  });

  it('stops listening for those signals when disposed', async () => {
    opened = openSocket();
    expect(opened.waking()).toBe(1);
    void opened.socket.dispose();
    expect(opened.waking()).toBe(0);
  });
});

describe('the wait between attempts', () => {
  it('doubles from 1 s up to 15 s, plus 0.3 to 3 s of jitter', () => {
    expect(retryDelay(0, () => 0)).toBe(1_300);
    expect(retryDelay(3, () => 0)).toBe(8_300);
    expect(retryDelay(4, () => 0)).toBe(15_300);
    expect(retryDelay(40, () => 1)).toBe(18_000);
  });
});
