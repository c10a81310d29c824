// The shapes the pure logic works on: the generated GraphQL types, narrowed to what it reads.
import type { ConversationFieldsFragment, Direction, MessageStatus } from '../gql/graphql';

export type { Direction, MessageStatus };

/** One message row as the UI holds it (the `ConversationFields` fragment). */
export type Message = ConversationFieldsFragment;

/** What a live event did to a message. */
export type MessageEventKind = 'NEW_MESSAGE' | 'STATUS_CHANGED';

/** A live message event, as the `messageEvents` subscription delivers it. */
export interface MessageEvent {
  kind: MessageEventKind;
  conversation: Message;
}

export const DIRECTIONS: readonly Direction[] = ['INBOUND', 'OUTBOUND'];

export const STATUSES: readonly MessageStatus[] = [
  'RECEIVED',
  'ACCEPTED',
  'SENT',
  'DELIVERED',
  'READ',
  'PLAYED',
  'FAILED',
];

/** Meta's message types the filter offers (the table shows each as it is stored, `edit` and
 *  `revoke` among them); the server accepts any type name. */
export const MESSAGE_TYPES: readonly string[] = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'edit',
  'revoke',
  'template',
  'order',
  'system',
  'unsupported',
];
