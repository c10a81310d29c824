// The reply box: a text message while the 24-hour window is open, an approved template
// otherwise; refusals (no credits, window closed) are said in plain sentences. The text being
// written is a draft kept per thread, and stays on screen when the window closes meanwhile.
import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation } from 'urql';
import { SendMessageMutation } from '../../api/operations';
import type { SendMessageInput } from '../../gql/graphql';
import { describeError, errorCode } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import type { Message } from '../../lib/types';
import { TemplateForm } from './TemplateForm';
import { useDraft } from './useDraft';
import { useServiceWindow } from './useServiceWindow';

interface Props {
  userId: string;
  contact: string;
  thread: Message[];
  onSent: (message: Message) => void;
}

export function ReplyBox({ userId, contact, thread, onSent }: Props) {
  const [text, setText] = useDraft(userId, contact);
  const [error, setError] = useState<string | null>(null);
  const [refusedWindow, setRefusedWindow] = useState(false);
  const [{ fetching }, send] = useMutation(SendMessageMutation);
  const service = useServiceWindow(thread);
  const templateOnly = refusedWindow || !service.open;
  // A draft stays in its box when the window closes: it can be copied, or sent once the
  // contact writes again. An empty box gives way to the template form.
  const showText = !templateOnly || text !== '';
  // A new message from the contact reopens the window the server said was closed.
  const closesAt = service.closesAt?.getTime();
  useEffect(() => setRefusedWindow(false), [closesAt]);

  const submit = async (input: Omit<SendMessageInput, 'to'>) => {
    setError(null);
    const result = await send({ input: { to: contact, ...input } });
    if (result.error || !result.data) {
      if (errorCode(result.error) === 'OUTSIDE_SERVICE_WINDOW') setRefusedWindow(true);
      setError(describeError(result.error));
      return false;
    }
    onSent(result.data.sendMessage.conversation);
    return true;
  };

  const sendText = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || fetching || templateOnly) return;
    if (await submit({ text: { body } })) setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void sendText();
    }
  };

  return (
    <div className="reply">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {templateOnly && (
        <p className="notice" role="status">
          {service.closesAt
            ? `The 24-hour window closed ${formatDateTime(service.closesAt.toISOString())}: WhatsApp accepts only an approved template until the contact writes again.`
            : 'This contact has not written yet: WhatsApp accepts only an approved template.'}
          {showText && ' Your reply is kept below; it can be sent once the contact writes again.'}
        </p>
      )}
      {showText && (
        <form className="reply__form" onSubmit={sendText} aria-label="Reply">
          <label className="field field--grow">
            <span className="sr-only">Reply to {contact}</span>
            <textarea
              name="reply"
              rows={2}
              placeholder="Write a reply (Enter sends, Shift+Enter for a new line)"
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={onKeyDown}
            />
          </label>
          <button type="submit" className="button button--primary" disabled={fetching || !text.trim() || templateOnly}>
            {fetching ? 'Sending…' : 'Send'}
          </button>
        </form>
      )}
      {templateOnly && <TemplateForm busy={fetching} onSend={(template) => submit({ template })} />}
    </div>
  );
}
