import { formatPhone } from '../../lib/format';

/** "Conversation with Name (+number)": the name and the number isolated, so that a
 *  right-to-left name does not drag the parenthesis and the number along with it. */
export function ThreadTitle({ name, contact }: { name: string | null | undefined; contact: string }) {
  return (
    <h2 id="thread-title" className="section-title">
      Conversation with{' '}
      {name ? (
        <>
          <bdi>{name}</bdi> (<bdi>{formatPhone(contact)}</bdi>)
        </>
      ) : (
        <bdi>{formatPhone(contact)}</bdi>
      )}
    </h2>
  );
}
