// Reactions are messages of their own at Meta; the thread shows them on the message they
// react to instead, one per person, the latest winning ("" removes it).
import type { Message } from './types';

export interface Reaction {
  emoji: string;
  /** Who reacted: the contact inbound, the business outbound. */
  direction: Message['direction'];
}

export interface ThreadItems {
  /** The messages to draw as bubbles (reactions left out). */
  bubbles: Message[];
  /** Reactions per wamid they react to. */
  reactions: Map<string, Reaction[]>;
  /** Reactions to messages not in the thread (too old, or unknown). */
  orphans: Message[];
}

/** Splits a thread (oldest first) into bubbles and the reactions shown on them. */
export function withReactions(thread: readonly Message[]): ThreadItems {
  const bubbles = thread.filter((m) => m.type !== 'reaction');
  const shown = new Set(bubbles.map((m) => m.messageId));
  const latest = new Map<string, Map<Message['direction'], string>>();
  const orphans: Message[] = [];
  for (const message of thread) {
    if (message.type !== 'reaction') continue;
    const target = message.replyTo;
    if (!target || !shown.has(target)) {
      orphans.push(message);
      continue;
    }
    const perPerson = latest.get(target) ?? new Map();
    perPerson.set(message.direction, emojiOf(message));
    latest.set(target, perPerson);
  }
  const reactions = new Map<string, Reaction[]>();
  for (const [target, perPerson] of latest) {
    const list = [...perPerson].filter(([, emoji]) => emoji !== '').map(([direction, emoji]) => ({ direction, emoji }));
    if (list.length) reactions.set(target, list);
  }
  return { bubbles, reactions, orphans };
}

function emojiOf(message: Message): string {
  const raw = message.raw as { reaction?: { emoji?: unknown } } | null;
  const emoji = raw && typeof raw === 'object' ? raw.reaction?.emoji : undefined;
  if (typeof emoji === 'string') return emoji;
  return message.content.startsWith('[') ? '' : message.content;
}
