// The server's error codes (`extensions.code`) turned into sentences an admin can act on.

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'INSUFFICIENT_CREDITS'
  | 'OUTSIDE_SERVICE_WINDOW'
  | 'UPSTREAM_ERROR'
  | 'SENT_NOT_STORED'
  | 'RATE_LIMITED'
  | 'LAGGED'
  | 'SERVER_ERROR'
  | 'NETWORK';

interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** What urql's CombinedError carries, narrowed to what is read here. */
export interface ErrorLike {
  message?: string;
  networkError?: unknown;
  graphQLErrors?: readonly GraphQLErrorLike[];
  response?: { status?: number } | null;
}

/** The first error code of a failed operation; `SERVER_ERROR` when the server answered with an
 *  HTTP 5xx and no error of its own, `NETWORK` when it was not reached. */
export function errorCode(error: ErrorLike | null | undefined): ErrorCode | string | null {
  if (!error) return null;
  for (const e of error.graphQLErrors ?? []) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  if (error.response?.status === 401) return 'UNAUTHENTICATED';
  if ((error.response?.status ?? 0) >= 500) return 'SERVER_ERROR';
  if (error.networkError) return 'NETWORK';
  return null;
}

/** The server's own message for the first error, without urql's "[GraphQL] " prefix. */
export function serverMessage(error: ErrorLike | null | undefined): string {
  const first = error?.graphQLErrors?.[0]?.message ?? error?.message ?? '';
  return first.replace(/^\[(GraphQL|Network)\]\s*/, '');
}

/** A sentence for a failed operation, for people rather than programs. */
export function describeError(error: ErrorLike | null | undefined): string {
  const code = errorCode(error);
  const detail = serverMessage(error);
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Please sign in again.';
    case 'FORBIDDEN':
      return 'Your account may not do this.';
    case 'NOT_FOUND':
      return 'This could not be found; it may have been removed.';
    case 'BAD_USER_INPUT':
      return detail ? `The server refused the input: ${detail}` : 'The server refused the input.';
    case 'INSUFFICIENT_CREDITS':
      return "This user doesn't have enough credits left for this message. Add credits on the Credits page, then send again.";
    case 'OUTSIDE_SERVICE_WINDOW':
      return "The contact's last message is more than 24 hours old, so WhatsApp only accepts an approved template now.";
    case 'UPSTREAM_ERROR':
      if (error?.graphQLErrors?.[0]?.extensions?.maybeSent === true) {
        return `WhatsApp may have sent the message; check the conversation before sending it again. (${detail})`;
      }
      return detail ? `WhatsApp did not take the message: ${detail}` : 'WhatsApp did not take the message.';
    case 'SENT_NOT_STORED':
      return "WhatsApp sent the message, but it could not be saved here, so it won't show in the conversation. Don't send it again.";
    case 'RATE_LIMITED':
      return 'Too many attempts in a short time. Wait a moment and try again.';
    case 'SERVER_ERROR':
      return `The server had an error (HTTP ${error?.response?.status}); try again in a moment.`;
    case 'NETWORK':
      return 'The server could not be reached. Check the connection and try again.';
    default:
      return detail || 'Something went wrong.';
  }
}
