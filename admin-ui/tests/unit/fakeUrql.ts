// A urql client for component tests: mutations answered by the test, subscriptions silent.
import { act, waitFor } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { expect } from 'vitest';
import { Provider, type Client } from 'urql';
import { fromValue } from 'wonka';

/** What a mutation answers: `data`, or an error shaped like urql's CombinedError. */
export type MutationAnswer = { data?: unknown; error?: unknown };

/** A client whose mutations `answer` answers, recording their variables; wrap renders in `wrapper`. */
export function mutationClient(answer: (variables: Record<string, unknown>) => MutationAnswer = () => ({ data: null })) {
  const sent: Record<string, unknown>[] = [];
  const client = {
    executeMutation: (request: { variables: Record<string, unknown> }) => {
      sent.push(request.variables);
      return fromValue({ operation: request, stale: false, hasNext: false, ...answer(request.variables) });
    },
    subscription: () => ({ subscribe: () => ({ unsubscribe: () => {} }) }),
  } as unknown as Client;
  const wrapper = ({ children }: { children: ReactNode }) => createElement(Provider, { value: client }, children);
  return { sent, wrapper };
}

/** A urql client whose query answers the test releases one by one (`answer`), recording their
 *  variables; its subscriptions stay silent. */
export function heldQueryClient() {
  const asked: Record<string, unknown>[] = [];
  const pending: ((result: { data?: unknown; error?: unknown }) => void)[] = [];
  const client = {
    query: (_query: unknown, variables: Record<string, unknown>) => ({
      toPromise: () => {
        asked.push(variables);
        return new Promise((resolve) => pending.push(resolve));
      },
    }),
    subscription: () => ({ subscribe: () => ({ unsubscribe: () => {} }) }),
  } as unknown as Client;
  const wrapper = ({ children }: { children: ReactNode }) => createElement(Provider, { value: client }, children);
  const answer = async (result: { data?: unknown; error?: unknown }) => {
    await waitFor(() => expect(pending.length).toBeGreaterThan(0));
    await act(async () => pending.shift()?.(result));
  };
  return { asked, wrapper, answer };
}
