// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaView } from '../../src/features/thread/MediaView';

/** The media route's answers, in order. */
let answers: Response[] = [];

beforeEach(() => {
  answers = [];
  vi.stubGlobal('fetch', vi.fn(async () => answers.shift() ?? new Response(null, { status: 500 })));
  URL.createObjectURL = () => 'blob:photo';
  URL.revokeObjectURL = () => {};
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const refusal = (status: number, message: string) =>
  new Response(JSON.stringify({ error: { code: 'UPSTREAM_ERROR', message } }), { status, headers: { 'content-type': 'application/json' } });

describe('an image that could not be loaded', () => {
  it("says the server's reason and loads again on request", async () => {
    answers.push(refusal(502, 'Meta did not answer for media m1'), new Response(new Uint8Array([137, 80, 78, 71]), { headers: { 'content-type': 'image/png' } }));
    render(createElement(MediaView, { media: 'image', mediaId: 'm1', voice: false }));
    expect(await screen.findByText(/Meta did not answer for media m1/)).toBeTruthy();
    expect(screen.getByText(/HTTP 502/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(((await screen.findByRole('img', { name: 'Image' })) as HTMLImageElement).src).toBe('blob:photo');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('falls back to the status when the body says nothing', async () => {
    answers.push(new Response('<html>Bad Gateway</html>', { status: 502 }));
    render(createElement(MediaView, { media: 'image', mediaId: 'm1', voice: false }));
    expect(await screen.findByText(/The file could not be loaded \(HTTP 502\)\./)).toBeTruthy();
  });
});
