// A fake of Meta's Graph API on loopback: answers sends with a fresh wamid, read receipts with
// success, and serves media (look-up, then download) for the server's media job.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

export async function startFakeGraph(phoneNumberId) {
  const requests = [];
  const media = new Map();
  let accepted = 0;

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      const reply = (status, value, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(type === 'application/json' ? JSON.stringify(value) : value);
      };
      if (req.method === 'POST' && url.pathname === `/v23.0/${phoneNumberId}/messages`) {
        const json = JSON.parse(body || '{}');
        requests.push({ path: url.pathname, authorization: req.headers.authorization, body: json });
        if (json.status === 'read') return reply(200, { success: true });
        accepted += 1;
        return reply(200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: json.to, wa_id: json.to }],
          messages: [{ id: `wamid.E2E${accepted}` }],
        });
      }
      if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
        const file = media.get(url.pathname.slice('/files/'.length));
        return file ? reply(200, file.bytes, file.mimeType) : reply(404, { error: { message: 'expired', code: 100 } });
      }
      if (req.method === 'GET' && url.pathname.startsWith('/v23.0/')) {
        const id = url.pathname.slice('/v23.0/'.length);
        const file = media.get(id);
        if (!file) return reply(400, { error: { message: 'Unsupported get request', code: 100 } });
        return reply(200, {
          messaging_product: 'whatsapp',
          url: `http://${req.headers.host}/files/${id}`,
          mime_type: file.mimeType,
          sha256: file.sha256,
          file_size: String(file.bytes.length),
          id,
        });
      }
      reply(404, { error: { message: `the fake has no ${req.method} ${url.pathname}` } });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    base: `http://127.0.0.1:${port}/v23.0`,
    /** Every send Meta received, in order. */
    sends: () => requests.filter((r) => r.body.status !== 'read'),
    addMedia(id, mimeType, bytes) {
      media.set(id, { mimeType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
