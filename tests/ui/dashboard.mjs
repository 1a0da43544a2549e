// The dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core, against the real daemon that tests/ui/test_dashboard.py
// started (its URL, token and account come in the environment).  It signs
// in, creates a capture, watches it run and finish, opens its analysis,
// applies display filters, downloads the pcap, uploads a capture, and
// checks that failing API calls show the API's own message.  A screenshot
// of every view goes to $UI_ARTEFACTS.  On success it prints a JSON line
// of what pytest checks next (the downloaded file, the capture id).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env('PCAPD_URL');
const TOKEN = env('PCAPD_TOKEN');
const ACCOUNT = env('PCAPD_ACCOUNT');
const UPLOAD = env('UPLOAD_FILE');
const OUT = env('UI_ARTEFACTS');

fs.mkdirSync(OUT, { recursive: true });
const problems = [];
let shots = 0;

/** Saves a screenshot of the page as NN-name.png. */
async function shot(page, name) {
  shots += 1;
  const file = path.join(OUT, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Every input and select of the page has a label (or an aria-label). */
async function checkLabels(page, where) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select')]
    .filter((el) => !el.closest('[hidden]') && el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, [], `${where}: inputs without a label`);
}

/** The row of capture `id` in the captures table. */
const rowOf = (page, id) => page.locator(`tr[data-id="${id}"]`);

async function signIn(page) {
  await page.goto(`${BASE}/ui/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await checkLabels(page, 'sign-in');
  await page.getByLabel('Account ID').fill(ACCOUNT);
  await shot(page, 'sign-in');
  // A wrong token: the API's 401 message, not a generic one.
  await page.getByLabel('API token').fill('0123456789abcdefAAAAAAAAAAAAAAAAAAAAAAAA');
  await page.getByLabel('API token').press('Enter');
  const error = page.locator('#signin-error');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.textContent(), /API token is not valid .*\(HTTP 401, code 1401\)/);
  await shot(page, 'sign-in-refused');
  await page.getByLabel('API token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Captures', level: 1 }).waitFor();
  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem('pcapd.session'),
    local: JSON.stringify(localStorage),
  }));
  assert.ok(stored.session.includes(TOKEN), 'the token is in sessionStorage');
  assert.ok(!stored.local.includes(TOKEN), 'the token is never in localStorage');
}

async function createRefused(page) {
  await checkLabels(page, 'captures');
  await page.getByLabel('Time limit (s)').fill('900');
  await page.getByLabel('Packet limit').fill('10');
  await page.getByRole('button', { name: 'Start capture' }).click();
  const error = page.locator('#create-error');
  await error.waitFor({ state: 'visible' });
  assert.equal(await error.textContent(),
    'time_limit: must be an integer from 1 to 300 (HTTP 400, code 1005)');
  const input = page.getByLabel('Time limit (s)');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.ok(await input.evaluate((el) => el === document.activeElement), 'focus on the field');
  await shot(page, 'create-refused');
  // Full-only fields appear with the type; the API names a wrong site.
  await page.getByLabel('Type').selectOption('full');
  await page.getByLabel('Time limit (s)').fill('30');
  await page.getByLabel('Site (colo_name)').fill('elsewhere');
  await page.getByRole('button', { name: 'Start capture' }).click();
  await page.waitForFunction(() => /colo_name/.test(document.querySelector('#create-error').textContent));
  assert.match(await error.textContent(), /^colo_name: .*local.*\(HTTP 400, code 1006\)$/);
  assert.equal(await page.getByLabel('Site (colo_name)').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Type').selectOption('simple');
}

/** Starts a capture from the form; returns its id from the notice. */
async function startCapture(page, timeLimit, packetLimit, protocol) {
  await page.getByLabel('Time limit (s)').fill(timeLimit);
  await page.getByLabel('Packet limit').fill(packetLimit);
  await page.getByLabel('Protocol').fill(protocol);
  await page.getByRole('button', { name: 'Start capture' }).click();
  const notice = page.locator('p.notice.ok');
  await notice.waitFor({ state: 'visible' });
  await page.waitForFunction(() => !document.querySelector('button.primary').disabled);
  const id = (await notice.locator('a').textContent()).trim();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(await page.locator('#create-error').isVisible(), false);
  return id;
}

async function createAndWatch(page) {
  const id = await startCapture(page, '6', '10000', '');
  // Live status: running with a growing packet count, then success,
  // without reloading the page.
  const row = rowOf(page, id);
  await row.locator('.status-running').waitFor();
  await page.waitForFunction((cid) => {
    const r = document.querySelector(`tr[data-id="${cid}"] .packets span`);
    return r && parseInt(r.textContent.replace(/,/g, ''), 10) > 0;
  }, id, { timeout: 20000 });
  await shot(page, 'captures-running');
  await row.locator('.status-success').waitFor({ timeout: 30000 });
  await shot(page, 'captures-done');
  return id;
}

async function captureDetail(page, id) {
  await rowOf(page, id).getByRole('link', { name: `Capture ${id}`, exact: true }).click();
  await page.getByRole('heading', { name: `Capture ${id}` }).waitFor();
  const fields = await page.locator('dl.fields').textContent();
  assert.match(fields, /statussuccess/);
  assert.match(fields, /filter_v1everything/);
  await shot(page, 'capture');
  // Download: the browser gets ID.pcap.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: `Download capture ${id}` }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${id}.pcap`);
  const file = path.join(OUT, `${id}.pcap`);
  await download.saveAs(file);
  return file;
}

async function analysisTabs(page, id) {
  await page.getByRole('link', { name: `Analyse capture ${id}` }).click();
  await page.getByRole('heading', { name: `Analysis of ${id}` }).waitFor();
  await page.locator('.summary dl.stats').waitFor();
  const chart = page.locator('svg.hierarchy-chart');
  await chart.waitFor();
  assert.equal(await chart.locator('text.label').first().textContent(), 'eth');
  assert.ok(await chart.locator('rect.bar').count() >= 3, 'a bar per protocol');
  await shot(page, 'analysis-protocols');

  // Keyboard: arrow keys move between the tabs.
  await page.getByRole('tab', { name: 'Protocols' }).focus();
  await page.keyboard.press('ArrowRight');
  const talkers = page.getByRole('tab', { name: 'Top talkers' });
  assert.equal(await talkers.getAttribute('aria-selected'), 'true');
  assert.ok(await talkers.evaluate((el) => el === document.activeElement));
  const table = page.locator('#panel-talkers table.data');
  await table.waitFor();
  const bytesHead = table.locator('th', { hasText: /^Bytes/ }).first();
  assert.equal(await bytesHead.getAttribute('aria-sort'), 'descending');
  const bytes = async () => table.locator('tbody tr').evaluateAll((rows) => rows.map(
    (r) => Number(r.children[2].textContent.replace(/,/g, ''))));
  const before = await bytes();
  assert.deepEqual(before, [...before].sort((a, b) => b - a), 'largest talkers first');
  await bytesHead.getByRole('button').press('Enter');
  assert.equal(await bytesHead.getAttribute('aria-sort'), 'ascending');
  assert.deepEqual(await bytes(), [...before].sort((a, b) => a - b));
  await shot(page, 'analysis-talkers');

  await page.getByRole('tab', { name: 'Conversations' }).click();
  await page.locator('#panel-conversations table.data').waitFor();
  await page.getByLabel('Addresses').last().selectOption('tcp');
  await page.locator('#panel-conversations th', { hasText: 'Port A' }).waitFor();
  await shot(page, 'analysis-conversations');

  await page.getByRole('tab', { name: 'DNS' }).click();
  const dns = page.locator('#panel-dns table.data');
  await dns.waitFor();
  assert.ok(/tcpdump\.org|wireshark\.org/.test(await dns.textContent()), 'DNS queries are listed');
  await shot(page, 'analysis-dns');

  await page.getByRole('tab', { name: 'Packets' }).click();
  const filter = page.getByLabel('Display filter');
  await page.locator('#panel-packets table.data').waitFor();
  await filter.fill('dns');
  await filter.press('Enter');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#panel-packets tbody tr')];
    return rows.length > 0 && rows.every((r) => /DNS /.test(r.textContent));
  });
  await shot(page, 'analysis-packets-filtered');
  await filter.fill('ip.src ==');
  await page.getByRole('button', { name: 'Apply' }).click();
  const error = page.locator('#filter-error');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.textContent(), /^filter: .*\(at offset \d+\) \(HTTP 400\)$/);
  assert.equal(await filter.getAttribute('aria-invalid'), 'true');
  await shot(page, 'analysis-filter-error');
}

async function uploadAndTls(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' }).click();
  await page.getByRole('heading', { name: 'Upload a capture' }).waitFor();
  await checkLabels(page, 'upload');
  // Not a capture: the API's message.
  const junk = path.join(OUT, 'not-a-capture.txt');
  fs.writeFileSync(junk, 'this is a text file, not a capture\n');
  await page.getByLabel('Capture file').setInputFiles(junk);
  await page.getByRole('button', { name: 'Upload and analyse' }).click();
  const error = page.locator('#upload-error');
  await error.waitFor({ state: 'visible' });
  assert.equal(await error.textContent(), 'file: not a pcap or pcapng capture (HTTP 400)');
  await page.getByLabel('Capture file').setInputFiles(UPLOAD);
  await page.getByRole('button', { name: 'Upload and analyse' }).click();
  await page.getByRole('heading', { name: `Analysis of ${path.basename(UPLOAD)}` }).waitFor();
  await page.getByRole('tab', { name: 'TLS / QUIC names' }).click();
  const tls = page.locator('#panel-tls table.data');
  await tls.waitFor();
  assert.match(await tls.textContent(), /google\.de/);
  await shot(page, 'upload-tls');
}

async function stopRunning(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Captures' }).click();
  const id = await startCapture(page, '120', '10', '250');
  const row = rowOf(page, id);
  assert.equal(await row.locator('td.filter').textContent(), 'proto 250');
  await row.getByRole('button', { name: `Stop capture ${id}` }).click();
  await row.locator('.status-success').waitFor({ timeout: 15000 });
  return id;
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pcapd-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // The refused requests above are expected 4xx answers; anything else
    // (a script error, a CSP violation) is a defect.
    if (m.type() === 'error' && !/status of (400|401)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  try {
    await signIn(page);
    await createRefused(page);
    const id = await createAndWatch(page);
    const file = await captureDetail(page, id);
    await analysisTabs(page, id);
    await uploadAndTls(page);
    const stopped = await stopRunning(page);
    assert.deepEqual(problems, []);
    console.log(JSON.stringify({ capture: id, download: file, stopped, screenshots: shots }));
  } catch (e) {
    await shot(page, 'failure').catch(() => {});
    throw e;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  if (problems.length) console.error(problems.join('\n'));
  process.exit(1);
});
