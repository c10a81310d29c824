// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { FiltersForm } from '../../src/features/conversations/FiltersForm';
import type { Filters } from '../../src/lib/filters';

afterEach(cleanup);

/** The form with its filters kept in state, as the page keeps them in the URL. */
function Harness({ start }: { start: Filters }) {
  const [filters, setFilters] = useState<Filters>(start);
  return createElement('div', null, createElement(FiltersForm, { filters, onChange: setFilters }), createElement('output', null, JSON.stringify(filters)));
}

describe('the filters form', () => {
  it('keeps the space typed after a word once the filter has applied', async () => {
    render(createElement(Harness, { start: {} }));
    const text = screen.getByPlaceholderText('Words in the message') as HTMLInputElement;
    fireEvent.change(text, { target: { value: 'hello ' } });
    await waitFor(() => expect(screen.getByText('{"text":"hello"}')).toBeTruthy());
    expect(text.value).toBe('hello ');
    fireEvent.change(text, { target: { value: 'hello world' } });
    await waitFor(() => expect(screen.getByText('{"text":"hello world"}')).toBeTruthy());
  });

  it('offers every type the table shows, edits and deletions included', () => {
    render(createElement(Harness, { start: {} }));
    const types = [...(screen.getByLabelText('Type') as HTMLSelectElement).options].map((o) => o.value);
    expect(types).toEqual(expect.arrayContaining(['text', 'image', 'reaction', 'edit', 'revoke']));
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'revoke' } });
    expect(screen.getByText('{"type":"revoke"}')).toBeTruthy();
  });

  it('takes the value the filters get from elsewhere (Clear filters)', async () => {
    render(createElement(Harness, { start: { text: 'hello' } }));
    const text = screen.getByPlaceholderText('Words in the message') as HTMLInputElement;
    expect(text.value).toBe('hello');
    fireEvent.click(screen.getByText('Clear filters'));
    await waitFor(() => expect(text.value).toBe(''));
  });
});
