// The real wagate server on a fresh SQLite database in a temporary folder, on a free port,
// with the first admin's one-time password read from its log.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ANSI = /\x1b\[[0-9;]*m/g;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `settings` adds to (or overrides) the environment the server starts with. */
export async function startServer({ bin, uiDir, graphBase, phoneNumberId, adminEmail, logFile, settings = {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'wagate-e2e-'));
  const port = await freePort();
  const appSecret = randomBytes(16).toString('hex');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? dir,
    NO_COLOR: '1',
    RUST_LOG: 'info,sqlx=warn',
    DATABASE_URL: `sqlite://${join(dir, 'e2e.db')}?mode=rwc`,
    BIND_ADDR: `127.0.0.1:${port}`,
    JWT_SECRET: randomBytes(24).toString('hex'),
    WHATSAPP_APP_SECRET: appSecret,
    WHATSAPP_WEBHOOK_TOKEN: 'e2e-verify-token',
    WHATSAPP_TOKEN: 'EAAG-e2e-token',
    WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
    WHATSAPP_API_BASE: graphBase,
    ADMIN_UI_DIR: uiDir,
    ADMIN_EMAIL: adminEmail,
    MEDIA_DIR: join(dir, 'media'),
    MEDIA_POLL_MS: '200',
    ...settings,
  };
  const child = spawn(bin, ['serve'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let rest = '';
    stream.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop();
      for (const line of parts) lines.push(line.replace(ANSI, ''));
    });
  }

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (exited === null) child.kill('SIGKILL');
    if (logFile) writeFileSync(logFile, lines.join('\n') + '\n');
    rmSync(dir, { recursive: true, force: true });
  };
  const tail = () => lines.slice(-25).join('\n');

  try {
    const password = await waitFor(20_000, () => {
      if (exited) throw new Error(`the server exited (${JSON.stringify(exited)}) before it was ready:\n${tail()}`);
      const line = lines.find((l) => l.includes('first admin created'));
      return line?.match(/password=(\S+)/)?.[1];
    }, () => `no "first admin created … password=…" line in the server's log within 20 s:\n${tail()}`);
    await waitFor(20_000, async () => {
      if (exited) throw new Error(`the server exited (${JSON.stringify(exited)}):\n${tail()}`);
      const ok = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
      return ok || undefined;
    }, () => `GET ${baseUrl}/healthz did not answer 200 within 20 s:\n${tail()}`);
    return { baseUrl, appSecret, adminEmail, password, stop, tail };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails with `explain()`. */
export async function waitFor(ms, probe, explain) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(explain());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
