// Reactions are messages of their own at Meta; the thread shows them on the message they
// react to instead, one per person, the latest winning ("" removes it).
import type { Message } from './types';

export interface Reaction {
  emoji: string;
  /** Who reacted: the contact inbound, the business outbound. */
  direction: Message['direction'];
}

export interface ThreadItems {
  /** The messages to draw as bubbles: all but the reactions to a message in the thread. */
  bubbles: Message[];
  /** Reactions per wamid they react to. */
  reactions: Map<string, Reaction[]>;
}

/** The wamid a reaction reacts to, or null for other messages. */
export function reactionTarget(message: Pick<Message, 'type' | 'replyTo'>): string | null {
  return message.type === 'reaction' ? message.replyTo : null;
}

/**
 * Splits a thread (oldest first) into bubbles and the reactions shown on them. A reaction to
 * a message outside the thread (older than it shows) stays a bubble of its own.
 */
export function withReactions(thread: readonly Message[]): ThreadItems {
  const present = new Set(thread.filter((m) => m.type !== 'reaction').map((m) => m.messageId));
  const onTarget = (m: Message) => {
    const target = reactionTarget(m);
    return target !== null && present.has(target);
  };
  const bubbles = thread.filter((m) => !onTarget(m));
  const latest = new Map<string, Map<Message['direction'], string>>();
  for (const message of thread) {
    if (!onTarget(message)) continue;
    const target = message.replyTo as string;
    const perPerson = latest.get(target) ?? new Map();
    perPerson.set(message.direction, emojiOf(message));
    latest.set(target, perPerson);
  }
  const reactions = new Map<string, Reaction[]>();
  for (const [target, perPerson] of latest) {
    const list = [...perPerson].filter(([, emoji]) => emoji !== '').map(([direction, emoji]) => ({ direction, emoji }));
    if (list.length) reactions.set(target, list);
  }
  return { bubbles, reactions };
}

function emojiOf(message: Message): string {
  const raw = message.raw as { reaction?: { emoji?: unknown } } | null;
  const emoji = raw && typeof raw === 'object' ? raw.reaction?.emoji : undefined;
  if (typeof emoji === 'string') return emoji;
  return message.content.startsWith('[') ? '' : message.content;
}
