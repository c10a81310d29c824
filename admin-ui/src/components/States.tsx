// Loading, empty and error states, the same everywhere.
import type { ReactNode } from 'react';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="state state--loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/**
 * A quiet note while what is shown is brought up to date (a resync), the rows staying. Always
 * rendered, empty when `active` is false, so that screen readers announce it when it appears.
 */
export function Updating({ active }: { active: boolean }) {
  return (
    <p className="updating" role="status">
      {active ? 'Updating…' : ''}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state--empty">{children}</p>;
}

export function ErrorNotice({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state--error" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" className="button button--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
