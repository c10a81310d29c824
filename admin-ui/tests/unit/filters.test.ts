import { describe, expect, it } from 'vitest';
import {
  filtersFromSearch,
  filtersToSearch,
  isUnfiltered,
  matchesFilters,
  normalizePhone,
  toConversationFilter,
  type Filters,
} from '../../src/lib/filters';
import { message, outbound } from './fixtures';

describe('filters in the URL', () => {
  it('round-trips every filter through the query string', () => {
    const filters: Filters = {
      direction: 'INBOUND',
      type: 'image',
      status: 'READ',
      contact: '33612345678',
      text: 'hello world',
      from: '2026-11-01',
      to: '2026-11-30',
    };
    const search = filtersToSearch(filters);
    expect(search).toBe('direction=inbound&type=image&status=read&contact=33612345678&q=hello+world&from=2026-11-01&to=2026-11-30');
    expect(filtersFromSearch(`?${search}`)).toEqual(filters);
  });

  it('writes nothing for empty filters and blank values', () => {
    expect(filtersToSearch({})).toBe('');
    expect(filtersToSearch({ text: '  ', contact: '' })).toBe('');
    expect(isUnfiltered({ text: ' ' })).toBe(true);
    expect(isUnfiltered({ type: 'text' })).toBe(false);
  });

  it('reads enums in any case and drops values that cannot be valid', () => {
    expect(filtersFromSearch('direction=OUTBOUND&status=Delivered')).toEqual({ direction: 'OUTBOUND', status: 'DELIVERED' });
    expect(filtersFromSearch('direction=sideways&status=lost&type=<b>&from=2026-02-30&to=yesterday')).toEqual({});
  });

  it('ignores parameters it does not know', () => {
    expect(filtersFromSearch('message=wamid.1&q=hi')).toEqual({ text: 'hi' });
  });
});

describe('the GraphQL filter', () => {
  it('turns local days into a half-open range of instants', () => {
    // The tests run with TZ=UTC (vite.config.ts).
    expect(toConversationFilter({ from: '2026-11-01', to: '2026-11-30' })).toEqual({
      since: '2026-11-01T00:00:00.000Z',
      until: '2026-12-01T00:00:00.000Z',
    });
  });

  it('maps the text to `search` and the contact to E.164 digits', () => {
    expect(toConversationFilter({ text: 'invoice', contact: '+33 6 12-34-56-78', direction: 'OUTBOUND' })).toEqual({
      search: 'invoice',
      contact: '33612345678',
      direction: 'OUTBOUND',
    });
  });

  it('leaves business-scoped ids untouched', () => {
    expect(normalizePhone('US.13491208655302741918')).toBe('US.13491208655302741918');
  });
});

describe('whether a live message belongs under the filters', () => {
  it('admits everything without filters', () => {
    expect(matchesFilters(message(), {})).toBe(true);
  });

  it('checks direction, type, status, contact and text', () => {
    const m = outbound({ type: 'text', status: 'SENT', content: 'Your Invoice is ready' });
    expect(matchesFilters(m, { direction: 'OUTBOUND', type: 'text', status: 'SENT', contact: '+33612345678', text: 'invoice' })).toBe(true);
    expect(matchesFilters(m, { direction: 'INBOUND' })).toBe(false);
    expect(matchesFilters(m, { type: 'image' })).toBe(false);
    expect(matchesFilters(m, { status: 'READ' })).toBe(false);
    expect(matchesFilters(m, { contact: '4915112345678' })).toBe(false);
    expect(matchesFilters(m, { text: 'receipt' })).toBe(false);
  });

  it('includes both days of the date range', () => {
    const at = (timestamp: string) => message({ timestamp });
    const range = { from: '2026-11-20', to: '2026-11-21' };
    expect(matchesFilters(at('2026-11-20T00:00:00Z'), range)).toBe(true);
    expect(matchesFilters(at('2026-11-21T23:59:59Z'), range)).toBe(true);
    expect(matchesFilters(at('2026-11-19T23:59:59Z'), range)).toBe(false);
    expect(matchesFilters(at('2026-11-22T00:00:00Z'), range)).toBe(false);
  });
});
