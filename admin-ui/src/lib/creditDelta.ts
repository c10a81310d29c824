// The change an admin types into the balance adjustment, checked as the server's `Int` is.

/** The range of GraphQL's `Int` (32 bits). */
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/** A change ready to send, or why it is not; `problem` is null while the field is empty. */
export type ParsedDelta = { delta: number } | { problem: string | null };

/** Reads `input` as a whole number of credits: digits, with a minus sign to take some away. */
export function parseDelta(input: string): ParsedDelta {
  const text = input.trim();
  if (text === '') return { problem: null };
  if (!/^-?\d+$/.test(text)) return { problem: 'Enter a whole number of credits in digits, such as 10 or -5.' };
  const delta = Number(text);
  if (delta < INT_MIN || delta > INT_MAX) {
    return { problem: 'The change must be between -2,147,483,648 and 2,147,483,647 credits.' };
  }
  if (delta === 0) return { problem: 'A change of 0 changes nothing.' };
  return { delta };
}
