// The admin UI end to end: the real server on a fresh database, a fake Graph API, and
// Debian's Chromium (headless) doing what an admin does. Each step leaves a screenshot in
// test-results/; the server is always stopped.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startFakeGraph } from './support/fake-graph.mjs';
import { graphql } from './support/graphql.mjs';
import { isErrorResult, routeLiveSocket } from './support/live-socket.mjs';
import { PHONE_NUMBER_ID, contact, envelope, message, postWebhook, status, text, texts } from './support/meta.mjs';
import { makePng } from './support/png.mjs';
import { startServer, waitFor } from './support/server.mjs';
import { recordConversationQueries, rowsDiffer, shownMessageIds } from './support/table.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BIN = process.env.WAGATE_BIN ?? resolve(root, '../target/debug/wagate');
const UI_DIR = process.env.ADMIN_UI_DIR ?? join(root, 'dist');
const WIDE = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

const ANA = '33612345678';
const BEN = '4915112345678';
const CLEO = '5511987654321';
/** Cleo's messages seeded before the browser opens: more than a page of the messages table. */
const BACKLOG = 60;
/** Cleo's messages posted at once while her table is open. */
const BURST = 40;
// Small, so that BURST leaves a live subscriber behind (LAGGED); every other step publishes a
// few events at a time.
const LIVE_EVENT_BUFFER = 8;
const hoursAgo = (h) => new Date(Date.now() - h * 3_600_000);

for (const [what, path, fix] of [
  ['Chromium', CHROMIUM, 'run scripts/ensure-chromium.sh (or: sudo apt-get install -y chromium)'],
  ['the wagate binary', BIN, 'run `cargo build --bin wagate` in the repository root'],
  ['the built admin UI', join(UI_DIR, 'index.html'), 'run `make ui`'],
]) {
  if (!existsSync(path)) {
    console.error(`e2e: ${what} is missing at ${path}: ${fix}`);
    process.exit(1);
  }
}
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const watchdog = setTimeout(() => {
  console.error('e2e: still running after 120 s; giving up');
  cleanup().finally(() => process.exit(1));
}, 120_000);

let graph;
let server;
let browser;
async function cleanup() {
  await browser?.close().catch(() => {});
  server?.stop();
  await graph?.close();
}

/** One step of the scenario: runs, then screenshots `page` as test-results/<name>.png. */
let count = 0;
let passed = 0;
async function step(name, page, run) {
  const started = Date.now();
  const file = `${String(++count).padStart(2, '0')}-${name}.png`;
  try {
    await run();
    await page().screenshot({ path: join(results, file), fullPage: true });
    passed += 1;
    console.log(`  ✓ ${name} (${Date.now() - started} ms) → test-results/${file}`);
  } catch (error) {
    await page()?.screenshot({ path: join(results, `failed-${file}`), fullPage: true }).catch(() => {});
    console.log(`  ✗ ${name}: ${error.message}`);
    error.reported = true;
    throw error;
  }
}

function check(condition, explanation) {
  if (!condition) throw new Error(explanation);
}

/** Waits for a selector, failing with a sentence that says what the admin should have seen. */
async function expectVisible(page, selector, what, timeout = 8_000) {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`expected ${what} (${selector}) within ${timeout} ms on ${page.url()}`);
  }
}

async function seed() {
  const png = makePng(96, 64, [11, 122, 95]);
  graph.addMedia('media-e2e-photo', 'image/png', png);
  const ana = [contact(ANA, 'Ana Lima')];
  await postWebhook(server.baseUrl, server.appSecret, envelope({
    contacts: ana,
    messages: [
      text('wamid.A1', ANA, hoursAgo(3), 'Bonjour, where is my order #1042?'),
      message('wamid.A2', ANA, hoursAgo(2.9), 'image', { id: 'media-e2e-photo', mime_type: 'image/png', caption: 'The box I got' }),
      message('wamid.A3', ANA, hoursAgo(2.8), 'location', { latitude: 48.8566, longitude: 2.3522, name: 'Home', address: '1 Rue de Rivoli, Paris' }),
    ],
  }));
  await postWebhook(server.baseUrl, server.appSecret, envelope({
    contacts: [contact(BEN, 'Ben Ode')],
    messages: [text('wamid.B1', BEN, hoursAgo(49), 'Hallo, any news?')],
  }));
  const { login } = await graphql(server.baseUrl, null,
    'mutation($i: String!, $p: String!) { login(identifier: $i, password: $p) { token } }',
    { i: server.adminEmail, p: server.password });
  const sent = await graphql(server.baseUrl, login.token,
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversation { messageId } } }',
    { input: { to: ANA, text: { body: 'It left the warehouse yesterday.' } } });
  const wamid = sent.sendMessage.conversation.messageId;
  await postWebhook(server.baseUrl, server.appSecret, envelope({ statuses: [status(wamid, 'sent', hoursAgo(2.5), ANA), status(wamid, 'delivered', hoursAgo(2.4), ANA)] }));
  await postWebhook(server.baseUrl, server.appSecret, envelope({
    contacts: ana,
    messages: [
      message('wamid.A4', ANA, hoursAgo(2.3), 'reaction', { message_id: wamid, emoji: '👍' }),
      message('wamid.A5', ANA, hoursAgo(2.2), 'interactive', { type: 'button_reply', button_reply: { id: 'track', title: 'Track my parcel' } }),
    ],
  }));
  const backlog = texts('wamid.C', CLEO, hoursAgo(6), 60_000, BACKLOG);
  await postWebhook(server.baseUrl, server.appSecret, envelope({ contacts: [contact(CLEO, 'Cleo Duval')], messages: backlog }));
  const { users } = await graphql(server.baseUrl, login.token, '{ users(first: 50) { nodes { id phone } } }');
  const idOf = (phone) => users.nodes.find((u) => u.phone === phone)?.id;
  check(idOf(ANA) && idOf(BEN) && idOf(CLEO), `seeding did not create the three contacts: ${JSON.stringify(users.nodes)}`);
  return {
    anaId: idOf(ANA),
    benId: idOf(BEN),
    cleoId: idOf(CLEO),
    /** Cleo's message ids as the table lists them, newest first. */
    backlog: backlog.map((m) => m.id).reverse(),
    outboundWamid: wamid,
    token: login.token,
  };
}

async function main() {
  graph = await startFakeGraph(PHONE_NUMBER_ID);
  server = await startServer({
    bin: BIN,
    uiDir: UI_DIR,
    graphBase: graph.base,
    phoneNumberId: PHONE_NUMBER_ID,
    adminEmail: 'e2e-admin@example.test',
    logFile: join(results, 'server.log'),
    settings: { LIVE_EVENT_BUFFER: String(LIVE_EVENT_BUFFER) },
  });
  const seeded = await seed();
  const admin = (path) => `${server.baseUrl}/admin${path}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: WIDE, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(8_000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The server's Content-Security-Policy must not block anything the UI does.
  const cspViolations = (p) =>
    p.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && pageErrors.push(m.text()));
  cspViolations(page);
  let tablePage = null;
  let current = page;
  const shot = () => current;

  await step('sign-in', shot, async () => {
    await page.goto(admin('/user/' + seeded.anaId + '/conversations'));
    await page.waitForURL(/\/admin\/sign-in\?next=/, { timeout: 8_000 });
    await page.getByLabel('Email or phone number').fill(server.adminEmail);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectVisible(page, '.form-error', 'the wrong-password message');
    check((await page.locator('.form-error').innerText()).includes('wrong'), 'a wrong password should say the credentials are wrong');
    await page.getByLabel('Password').fill(server.password);
  });

  await step('signed-in-deep-link', shot, async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/admin/user/${seeded.anaId}/conversations$`), { timeout: 8_000 });
    await expectVisible(page, 'table.conversations tbody tr', 'the messages of the user from the deep link');
  });

  await step('users', shot, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await expectVisible(page, 'table tbody tr', 'the users table');
    const text = await page.locator('table').innerText();
    check(text.includes('Ana Lima') && text.includes('Ben Ode'), `the users table should list Ana Lima and Ben Ode, got:\n${text}`);
    check(text.includes('+33612345678'), 'the users table should show phone numbers');
  });

  await step('users-search', shot, async () => {
    await page.getByLabel('Search users').fill('Ana');
    await page.waitForURL(/\/admin\/users\?q=Ana$/, { timeout: 5_000 });
    await waitFor(5_000, async () => (await page.locator('table tbody tr').count()) === 1 || undefined,
      () => 'searching "Ana" should leave exactly one row');
    check((await page.locator('table tbody tr').innerText()).includes('Ana Lima'), 'the row found should be Ana Lima');
    // Keyboard: focus the row, open it with Enter.
    await page.locator('table tbody tr').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/admin/user/${seeded.anaId}/conversations`), { timeout: 5_000 });
    await expectVisible(page, 'table.conversations tbody tr', 'the conversations table');
  });

  await step('conversations-filtered', shot, async () => {
    await page.getByLabel('Direction').selectOption('INBOUND');
    await page.getByLabel('Type').selectOption('text');
    await page.waitForURL(/direction=inbound&type=text/, { timeout: 5_000 });
    await waitFor(5_000, async () => (await page.locator('table.conversations tbody tr').count()) === 1 || undefined,
      () => 'filtering inbound text messages should leave the one text row');
    // A reload keeps the filters (URL) and the session (storage).
    await page.reload();
    await expectVisible(page, 'table.conversations tbody tr', 'the filtered table after a reload');
    check((await page.getByLabel('Direction').inputValue()) === 'INBOUND', 'the direction filter should survive a reload');
    const rows = page.locator('table.conversations tbody tr');
    check((await rows.count()) === 1, `after a reload, still one row expected, got ${await rows.count()}`);
    check((await rows.first().innerText()).includes('where is my order'), 'the row should be the text message');
  });

  await step('thread', shot, async () => {
    await page.locator('table.conversations tbody tr[data-message-id="wamid.A1"]').click();
    await page.waitForURL(new RegExp(`/thread/${ANA}\\?message=wamid.A1`), { timeout: 5_000 });
    await expectVisible(page, '.bubble[data-message-id="wamid.A1"]', 'the clicked message in the thread');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-message-id'));
    check(focused === 'wamid.A1', `the clicked message should have the focus, not ${focused}`);
    await page.keyboard.press('ArrowDown');
    const below = await page.evaluate(() => document.activeElement?.getAttribute('data-message-id'));
    check(below === 'wamid.A2', `ArrowDown should move the focus to the next message, not ${below}`);
    await expectVisible(page, '.bubble[data-message-id="wamid.A2"] img.photo', 'the image, inline');
    await waitFor(5_000, () => page.evaluate(() => (document.querySelector('img.photo')?.naturalWidth ?? 0) > 0 || undefined),
      () => 'the image should load through /api/media');
    await expectVisible(page, `.bubble[data-message-id="${seeded.outboundWamid}"] .reactions`, 'the reaction on the message it reacts to');
    check(!(await page.locator('.bubble[data-message-id="wamid.A4"]').count()), 'a reaction should not be a bubble of its own');
    await expectVisible(page, '.bubble[data-message-id="wamid.A3"] a[href*="openstreetmap"]', 'the location with a map link');
    await expectVisible(page, '.bubble[data-message-id="wamid.A5"] .choice', "the contact's interactive reply");
    await expectVisible(page, `.bubble[data-message-id="${seeded.outboundWamid}"] [data-tick="delivered"]`, 'two grey ticks on the delivered reply');
  });

  await step('live-arrival', () => tablePage, async () => {
    tablePage = await context.newPage();
    tablePage.on('pageerror', (e) => pageErrors.push(e.message));
    cspViolations(tablePage);
    await tablePage.goto(admin(`/user/${seeded.anaId}/conversations?type=text`));
    await expectVisible(tablePage, 'table.conversations tbody tr', 'the table in a second tab');
    for (const p of [page, tablePage]) await expectVisible(p, '[data-live="connected"]', 'the live connection');
    await new Promise((r) => setTimeout(r, 300));
    await postWebhook(server.baseUrl, server.appSecret, envelope({
      contacts: [contact(ANA, 'Ana Lima')],
      messages: [text('wamid.A9', ANA, new Date(), 'Is it arriving today?')],
    }));
    await expectVisible(tablePage, 'table.conversations tbody tr:first-child[data-message-id="wamid.A9"]', 'the new message at the top of the table, live', 5_000);
    await expectVisible(page, '.bubble[data-message-id="wamid.A9"]', 'the new message in the thread, live', 5_000);
    const last = await page.locator('.thread__messages .bubble').last().getAttribute('data-message-id');
    check(last === 'wamid.A9', `the new message should be the last bubble, not ${last}`);
  });

  await step('status-read', shot, async () => {
    await postWebhook(server.baseUrl, server.appSecret, envelope({ statuses: [status(seeded.outboundWamid, 'read', new Date(), ANA)] }));
    await expectVisible(page, `.bubble[data-message-id="${seeded.outboundWamid}"] [data-tick="read"]`, 'the tick turning to read (blue), live', 5_000);
    await expectVisible(tablePage, `tr[data-message-id="${seeded.outboundWamid}"] [data-status="READ"]`, 'the status badge turning to Read in the table, live', 5_000);
  });

  await step('reply', shot, async () => {
    const before = graph.sends().length;
    await page.getByLabel(`Reply to ${ANA}`).fill('Yes, before 6 pm.');
    await page.keyboard.press('Enter');
    await expectVisible(page, '.bubble--out:has-text("Yes, before 6 pm.")', 'the reply in the thread', 5_000);
    const sends = graph.sends();
    check(sends.length === before + 1, `Meta should have received one send, got ${sends.length - before}`);
    const body = sends.at(-1).body;
    check(body.to === ANA && body.text?.body === 'Yes, before 6 pm.', `the send to Meta is wrong: ${JSON.stringify(body)}`);
    const wamid = await page.locator('.bubble--out:has-text("Yes, before 6 pm.")').getAttribute('data-message-id');
    await postWebhook(server.baseUrl, server.appSecret, envelope({ statuses: [status(wamid, 'delivered', new Date(), ANA)] }));
    await expectVisible(page, `.bubble[data-message-id="${wamid}"] [data-tick="delivered"]`, 'the reply delivered (two ticks)', 5_000);
    await page.close();
    current = tablePage;
  });

  await step('outside-window-template', shot, async () => {
    await tablePage.goto(admin(`/user/${seeded.benId}/thread/${BEN}`));
    await expectVisible(tablePage, '.bubble[data-message-id="wamid.B1"]', "Ben's old message");
    await expectVisible(tablePage, 'form[aria-label="Send a template"]', 'the template form, the window being closed');
    check((await tablePage.locator('.reply .notice').innerText()).includes('24-hour window closed'), 'the closed window should be explained');
    await tablePage.getByLabel('Template name').fill('order_update');
    await tablePage.getByRole('button', { name: 'Send template' }).click();
    await expectVisible(tablePage, '.bubble--out:has-text("order_update")', 'the template in the thread', 5_000);
    check(graph.sends().at(-1).body.template?.name === 'order_update', 'Meta should have received the template');
    const wamid = await tablePage.locator('.bubble--out:has-text("order_update")').getAttribute('data-message-id');
    const failed = status(wamid, 'failed', new Date(), BEN);
    failed.errors = [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'The number is not on WhatsApp' } }];
    await postWebhook(server.baseUrl, server.appSecret, envelope({ statuses: [failed] }));
    await expectVisible(tablePage, `.bubble[data-message-id="${wamid}"] [data-tick="failed"]`, 'the failed mark, live', 5_000);
    const error = await tablePage.locator(`.bubble[data-message-id="${wamid}"] .bubble__error`).innerText();
    check(error.includes('131026') && error.includes('not on WhatsApp'), `the failure should carry Meta's error, got: ${error}`);
  });

  await step('insufficient-credits', shot, async () => {
    const { credits } = await graphql(server.baseUrl, seeded.token, 'query($u: ID!) { credits(userId: $u) { balance } }', { u: seeded.benId });
    await graphql(server.baseUrl, seeded.token, 'mutation($u: ID!, $d: Int!) { adjustCredits(userId: $u, delta: $d, reason: "e2e: empty the balance") { balance } }',
      { u: seeded.benId, d: -credits.balance });
    await tablePage.getByRole('button', { name: 'Send template' }).click();
    await expectVisible(tablePage, '.reply [role="alert"]', 'the refusal, said in a sentence', 5_000);
    const said = await tablePage.locator('.reply [role="alert"]').innerText();
    check(said.includes("doesn't have enough credits"), `INSUFFICIENT_CREDITS should read as a sentence, got: ${said}`);
    await expectVisible(tablePage, '[data-testid="user-balance"]:has-text("0 / 100")', 'the balance in the header, live, at 0');
  });

  await step('credits', shot, async () => {
    await tablePage.goto(admin(`/user/${seeded.anaId}/credits`));
    await expectVisible(tablePage, '[data-testid="credits-balance"]', 'the balance');
    const before = Number(await tablePage.getByTestId('credits-balance').innerText());
    await tablePage.getByLabel('Change (e.g. 10 or -5)').fill('10');
    await tablePage.getByLabel('Reason').fill('Goodwill for the delay');
    await tablePage.getByRole('button', { name: 'Apply' }).click();
    await waitFor(5_000, async () => Number(await tablePage.getByTestId('credits-balance').innerText()) === before + 10 || undefined,
      () => `the balance should go from ${before} to ${before + 10}`);
    await expectVisible(tablePage, 'table.ledger tbody tr:first-child:has-text("Goodwill for the delay")', 'the adjustment at the top of the ledger');
  });

  // Cleo's messages in a tab of their own whose WebSocket the test routes: "load more" by
  // cursor, then what the table does when live events were missed.
  let cleoPage;
  let socket;
  let queries;
  let pageSize;
  const firstPageQueries = () => queries.filter((q) => !q.after).length;
  async function expectRows(expected, what) {
    let why;
    await waitFor(8_000, async () => !(why = rowsDiffer(await shownMessageIds(cleoPage), expected)) || undefined,
      () => `${what}: ${why}`);
  }
  /** Clicks "Load more" until it is gone, checking that each click adds the next page. */
  async function loadEverything(everything) {
    const loadMore = cleoPage.getByRole('button', { name: 'Load more messages' });
    for (let shown = pageSize; shown < everything.length; ) {
      const sent = queries.length;
      await loadMore.click();
      shown = Math.min(shown + pageSize, everything.length);
      await expectRows(everything.slice(0, shown), `after "Load more", ${shown} rows`);
      check(queries.length === sent + 1 && queries.at(-1).after, `"Load more" should send one query with a cursor, sent: ${JSON.stringify(queries.slice(sent))}`);
    }
    check((await loadMore.count()) === 0, 'with every message shown, "Load more messages" should be gone');
  }

  await step('load-more', () => cleoPage, async () => {
    cleoPage = await context.newPage();
    cleoPage.on('pageerror', (e) => pageErrors.push(e.message));
    cspViolations(cleoPage);
    socket = await routeLiveSocket(cleoPage);
    queries = recordConversationQueries(cleoPage);
    await cleoPage.goto(admin(`/user/${seeded.cleoId}/conversations`));
    await expectVisible(cleoPage, 'table.conversations tbody tr', "Cleo's messages");
    pageSize = queries[0]?.first;
    check(Number.isInteger(pageSize) && pageSize < BACKLOG, `the ${BACKLOG} seeded messages should be more than the page the UI asks for (first: ${pageSize})`);
    await expectRows(seeded.backlog.slice(0, pageSize), 'the first page');
    await loadEverything(seeded.backlog);
  });

  await step('lagged-requery', () => cleoPage, async () => {
    await expectVisible(cleoPage, '[data-live="connected"]', 'the live connection');
    const burst = texts('wamid.CB', CLEO, new Date(Date.now() - BURST * 1000), 1000, BURST);
    const heard = socket.received().length;
    const requeried = firstPageQueries();
    await postWebhook(server.baseUrl, server.appSecret, envelope({ contacts: [contact(CLEO, 'Cleo Duval')], messages: burst }));
    await waitFor(5_000, () => socket.received().slice(heard).some((m) => isErrorResult(m, 'LAGGED')) || undefined,
      () => `${BURST} messages at once should overflow LIVE_EVENT_BUFFER=${LIVE_EVENT_BUFFER}: a LAGGED error was expected on the subscription`);
    await waitFor(5_000, () => firstPageQueries() > requeried || undefined, () => 'after LAGGED the table should query its first page again');
    // The re-query refreshes the first page in place: the burst on top, and every row loaded
    // before with "Load more" still shown after it, with nothing left to load.
    const everything = [...burst.map((m) => m.id).reverse(), ...seeded.backlog];
    await expectRows(everything, 'the burst on top of the rows loaded before');
    check(!(await cleoPage.getByRole('button', { name: 'Load more messages' }).count()), 'with every message shown, "Load more messages" should be gone');
  });

  // A dropped socket misses what is published until it is back. graphql-ws reconnects after a
  // back-off when the server restarts (1012), and at once after a clean close (1000).
  for (const [name, code, wamid] of [['reconnect-after-restart', 1012, 'wamid.CR1'], ['reconnect-after-clean-close', 1000, 'wamid.CR2']]) {
    await step(name, () => cleoPage, async () => {
      await expectVisible(cleoPage, '[data-live="connected"]', 'the live connection');
      const before = await shownMessageIds(cleoPage);
      await socket.drop(code, 'dropped by the e2e test');
      await expectVisible(cleoPage, '[data-live]:not([data-live="connected"])', 'the header saying updates stopped');
      await postWebhook(server.baseUrl, server.appSecret, envelope({
        contacts: [contact(CLEO, 'Cleo Duval')],
        messages: [text(wamid, CLEO, new Date(), `Sent while the socket was closed with ${code}`)],
      }));
      await new Promise((r) => setTimeout(r, 300));
      check(!(await cleoPage.locator(`tr[data-message-id="${wamid}"]`).count()), 'a message published while the socket was closed cannot have come live');
      const requeried = firstPageQueries();
      socket.release();
      await expectVisible(cleoPage, '[data-live="connected"]', 'the live connection back', 10_000);
      await expectVisible(cleoPage, `table.conversations tbody tr:first-child[data-message-id="${wamid}"]`, 'the missed message at the top, re-queried', 5_000);
      check(firstPageQueries() > requeried, 'the table should have queried its first page again after the reconnect');
      await expectRows([wamid, ...before], 'the missed message on top of every row shown before the drop');
    });
  }
  await cleoPage.close();

  await step('phone-conversations', shot, async () => {
    await tablePage.setViewportSize(PHONE);
    await tablePage.goto(admin(`/user/${seeded.anaId}/conversations`));
    await expectVisible(tablePage, 'table.conversations tbody tr', 'the messages at 390 px');
    const width = await tablePage.evaluate(() => document.documentElement.scrollWidth);
    check(width <= PHONE.width, `the page should fit 390 px without sideways scrolling, but is ${width} px wide`);
  });

  await step('phone-thread', shot, async () => {
    await tablePage.locator('table.conversations tbody tr').first().click();
    await expectVisible(tablePage, '.bubble', 'the thread at 390 px');
    await expectVisible(tablePage, 'textarea[name="reply"]', 'the reply box at 390 px');
    const width = await tablePage.evaluate(() => document.documentElement.scrollWidth);
    check(width <= PHONE.width, `the thread should fit 390 px, but is ${width} px wide`);
  });

  await step('account-password', shot, async () => {
    await tablePage.setViewportSize(WIDE);
    await tablePage.getByRole('link', { name: 'Administrator' }).click();
    await tablePage.getByLabel('Current password').fill(server.password);
    await tablePage.getByLabel('New password (at least 12 characters)').fill('a-new-long-passphrase');
    await tablePage.getByLabel('New password, again').fill('a-new-long-passphrase');
    await tablePage.getByRole('button', { name: 'Change password' }).click();
    await expectVisible(tablePage, 'text=Your password is changed.', 'the confirmation');
    await graphql(server.baseUrl, null, 'mutation($i: String!, $p: String!) { login(identifier: $i, password: $p) { token } }',
      { i: server.adminEmail, p: 'a-new-long-passphrase' });
  });

  await step('expired-session', shot, async () => {
    await tablePage.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('wagate.session'));
      session.token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.expired';
      localStorage.setItem('wagate.session', JSON.stringify(session));
    });
    await tablePage.reload();
    await tablePage.waitForURL(/\/admin\/sign-in/, { timeout: 8_000 });
    await expectVisible(tablePage, 'text=Your session has expired', 'the expired-session notice');
  });

  check(pageErrors.length === 0, `the pages threw: ${pageErrors.join('; ')}`);
}

const started = Date.now();
let failed = 0;
try {
  await main();
} catch (error) {
  failed = 1;
  if (!error.reported) console.error(`e2e failed: ${error.stack ?? error}`);
  if (server) console.error(`--- server log (tail; whole log in test-results/server.log) ---\n${server.tail()}`);
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
console.log(`e2e: ${((Date.now() - started) / 1000).toFixed(1)} s, screenshots in admin-ui/test-results/`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
