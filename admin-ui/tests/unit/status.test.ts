import { describe, expect, it } from 'vitest';
import { canAdvance, failureText, statusLabel, tickFor } from '../../src/lib/status';
import { message, outbound } from './fixtures';

describe('status ticks', () => {
  it('draws none for inbound messages', () => {
    expect(tickFor(message({ status: 'RECEIVED' })).kind).toBe('none');
    expect(tickFor(message({ status: 'READ' })).glyph).toBe('');
  });

  it('draws a clock while Meta has only accepted the message', () => {
    expect(tickFor(outbound({ status: 'ACCEPTED' }))).toMatchObject({ kind: 'pending', label: 'Sending' });
  });

  it('draws one tick when sent, two when delivered, two blue when read or played', () => {
    expect(tickFor(outbound({ status: 'SENT' }))).toMatchObject({ kind: 'sent', glyph: '✓' });
    expect(tickFor(outbound({ status: 'DELIVERED' }))).toMatchObject({ kind: 'delivered', glyph: '✓✓' });
    expect(tickFor(outbound({ status: 'READ' }))).toMatchObject({ kind: 'read', glyph: '✓✓', label: 'Read' });
    expect(tickFor(outbound({ status: 'PLAYED' }))).toMatchObject({ kind: 'read', label: 'Played' });
  });

  it("marks a failure with Meta's error", () => {
    const failed = outbound({
      status: 'FAILED',
      error: { code: 131047, title: 'Re-engagement message', details: 'More than 24 hours have passed' },
    });
    expect(tickFor(failed)).toEqual({
      kind: 'failed',
      glyph: '!',
      label: 'Failed: Re-engagement message (131047) — More than 24 hours have passed',
    });
  });

  it('says so when Meta gave no reason', () => {
    expect(failureText(null)).toBe('no reason given by Meta');
    expect(failureText({ code: 1, title: 'Same', details: 'Same' })).toBe('Same (1)');
  });
});

describe('status order', () => {
  it('moves forward only, and FAILED is final', () => {
    expect(canAdvance('SENT', 'DELIVERED')).toBe(true);
    expect(canAdvance('ACCEPTED', 'READ')).toBe(true);
    expect(canAdvance('READ', 'DELIVERED')).toBe(false);
    expect(canAdvance('READ', 'READ')).toBe(false);
    expect(canAdvance('DELIVERED', 'FAILED')).toBe(true);
    expect(canAdvance('FAILED', 'PLAYED')).toBe(false);
  });

  it('labels statuses as words', () => {
    expect(statusLabel('DELIVERED')).toBe('Delivered');
  });

  it('names each outbound status with the same word in the table as in the thread', () => {
    const outboundStatuses = ['ACCEPTED', 'SENT', 'DELIVERED', 'READ', 'PLAYED'] as const;
    for (const status of outboundStatuses) expect(tickFor(outbound({ status })).label).toBe(statusLabel(status));
    expect(statusLabel('ACCEPTED')).toBe('Sending');
    expect(tickFor(outbound({ status: 'FAILED', error: null })).label).toMatch(new RegExp(`^${statusLabel('FAILED')}: `));
  });
});
