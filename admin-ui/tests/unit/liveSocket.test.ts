import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveSocket } from '../../src/api/liveSocket';

/** A WebSocket whose server side the test plays: it acknowledges every connection_init. */
class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static opened: FakeSocket[] = [];

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

/** A live socket on FakeSocket, writing down what it reports. */
function openSocket() {
  const reports: string[] = [];
  let refusals = 0;
  const socket = createLiveSocket(
    'ws://wagate.test/graphql/ws',
    'Bearer t0ken',
    { report: (state, reconnected) => reports.push(reconnected ? `${state} again` : state), onRefused: () => refusals++ },
    FakeSocket,
  );
  return { socket, reports, refusals: () => refusals };
}

/** The server side of the latest connection. */
const latest = () => FakeSocket.opened.at(-1)!;

describe('the live socket', () => {
  let opened: ReturnType<typeof openSocket> | null = null;
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.opened = [];
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
});
