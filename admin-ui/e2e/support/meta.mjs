// Webhook notifications in Meta's shape, signed as Meta signs them.
import { createHmac } from 'node:crypto';

export const BUSINESS_NUMBER = '15550001111';
export const PHONE_NUMBER_ID = '106540352242922';

export function envelope({ contacts = [], messages = [], statuses = [] }) {
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: BUSINESS_NUMBER, phone_number_id: PHONE_NUMBER_ID },
  };
  if (contacts.length) value.contacts = contacts;
  if (messages.length) value.messages = messages;
  if (statuses.length) value.statuses = statuses;
  return { object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value }] }] };
}

export const contact = (waId, name) => ({ profile: { name }, wa_id: waId });

/** An inbound message of `type` with its payload; `at` is a Date. */
export function message(id, from, at, type, payload, extra = {}) {
  return { from, id, timestamp: String(Math.floor(at.getTime() / 1000)), type, [type]: payload, ...extra };
}

export const text = (id, from, at, body) => message(id, from, at, 'text', { body });

/** `count` texts from `from`, `stepMs` apart from `first` on, with ids `${prefix}001`…; oldest first. */
export function texts(prefix, from, first, stepMs, count) {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return text(`${prefix}${n}`, from, new Date(first.getTime() + i * stepMs), `Message ${n} of ${count}`);
  });
}

export function status(id, state, at, recipient) {
  return { id, status: state, timestamp: String(Math.floor(at.getTime() / 1000)), recipient_id: recipient };
}

/** Posts a notification signed with the app secret; fails unless the server answers 200. */
export async function postWebhook(baseUrl, secret, notification) {
  const raw = JSON.stringify(notification);
  const signature = createHmac('sha256', secret).update(raw).digest('hex');
  const response = await fetch(`${baseUrl}/api/whatsapp/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
    body: raw,
  });
  if (response.status !== 200) {
    throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
  }
}
