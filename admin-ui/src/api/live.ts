// The live connection's state (the graphql-ws socket), shown in the header so an admin knows
// whether what they see still updates, and a signal to re-query after a drop.
import { useSyncExternalStore } from 'react';

export type LiveState = 'connecting' | 'connected' | 'reconnecting';

let state: LiveState = 'connecting';
const listeners = new Set<() => void>();
const reconnectListeners = new Set<() => void>();

/** `reconnected`: connected again after a drop, so events may have been missed. */
export function setLiveState(next: LiveState, reconnected = false) {
  state = next;
  listeners.forEach((l) => l());
  if (next === 'connected' && reconnected) reconnectListeners.forEach((l) => l());
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** Calls `listener` when the socket comes back after a drop: events may have been missed. */
export function onReconnect(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}
