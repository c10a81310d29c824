import { useEffect, useReducer } from 'react';
import { serviceWindow, type ServiceWindow } from '../../lib/serviceWindow';
import type { Message } from '../../lib/types';

/** The thread's 24-hour window now, rendered again the moment it closes (not only on the next
 *  keystroke), so that the reply box says so while the reply is being written. */
export function useServiceWindow(thread: readonly Pick<Message, 'direction' | 'timestamp'>[]): ServiceWindow {
  const [, renderAgain] = useReducer((n: number) => n + 1, 0);
  const service = serviceWindow(thread, new Date());
  const closesAt = service.open ? service.closesAt?.getTime() : undefined;
  useEffect(() => {
    if (closesAt === undefined) return;
    const timer = setTimeout(renderAgain, Math.min(closesAt - Date.now() + 10, 2_147_483_647));
    return () => clearTimeout(timer);
  }, [closesAt]);
  return service;
}
