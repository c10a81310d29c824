// The new-password rule, as the server applies it.

/** The fewest characters a password may have. */
export const MIN_PASSWORD_LENGTH = 12;

/** Whether `password` is long enough as the server counts: in characters (code points), not
 *  UTF-16 units (an emoji is one character, not two), spaces at either end not counting. */
export function isLongEnough(password: string): boolean {
  return [...password.trim()].length >= MIN_PASSWORD_LENGTH;
}
