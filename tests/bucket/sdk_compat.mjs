// The official Cloudflare TypeScript SDK (npm `cloudflare`, pinned in
// package-lock.json), unchanged, driving every magicTransit.pcaps method,
// ownership included, against the real daemon.  Every answer is checked
// against the SDK's own declared types: its .d.ts files are turned into
// JSON Schema (ts-json-schema-generator) and each result validated with
// ajv.  TypeScript types allow properties they do not declare, so the
// schemas do too; what is declared must be there with its type.  A full
// capture is checked against the SDK's full-capture type, a simple one
// against PCAP, each also against the union the method returns.
//
//   node sdk_compat.mjs BASE_URL TOKEN ACCOUNT DESTINATION_CONF BUCKET_FOLDER_URL
// prints one JSON line: the ids, the downloaded size and the checks made.
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import Cloudflare from 'cloudflare';
import { createGenerator } from 'ts-json-schema-generator';

const [, , baseURL, apiToken, account_id, destination_conf, folderURL] = process.argv;
const client = new Cloudflare({ apiToken, baseURL, maxRetries: 0 });
const pcaps = client.magicTransit.pcaps;

// The SDK's declared types, as JSON Schema.
function schemas(file, types) {
  const path = fileURLToPath(
    new URL(`node_modules/cloudflare/resources/magic-transit/pcaps/${file}`, import.meta.url),
  );
  const gen = createGenerator({ path, skipTypeCheck: true, additionalProperties: true, topRef: false });
  return Object.fromEntries(types.map((t) => [t, gen.createSchema(t)]));
}
const FULL = 'PCAPGetResponse.MagicVisibilityPCAPsPCAPsResponseFull';
const types = {
  ...schemas('pcaps.d.ts', ['PCAP', FULL, 'PCAPCreateResponse', 'PCAPGetResponse', 'PCAPListResponse']),
  ...schemas('ownership.d.ts', ['Ownership']),
};
const ajv = new Ajv({ strict: false, allErrors: true });
const validators = Object.fromEntries(Object.entries(types).map(([k, s]) => [k, ajv.compile(s)]));
let checks = 0;

function check(type, value, what) {
  const v = validators[type];
  if (!v(value)) {
    throw new Error(`${what} does not match the SDK's ${type}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value)}`);
  }
  checks++;
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

// Checks a capture against the union a method returns and its own type.
function checkCapture(union, c, what) {
  check(union, c, what);
  check(c.type === 'full' ? FULL : 'PCAP', c, what);
}

async function waitFor(id, statuses) {
  for (let i = 0; i < 600; i++) {
    const c = await pcaps.get(id, { account_id });
    checkCapture('PCAPGetResponse', c, 'pcaps.get');
    if (statuses.includes(c.status)) return c;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`capture ${id} never reached ${statuses}`);
}

async function expectStatus(promise, status, what) {
  try {
    await promise;
  } catch (e) {
    expect(e instanceof Cloudflare.APIError && e.status === status, `${what}: ${e}`);
    checks++;
    return e;
  }
  throw new Error(`${what}: no error`);
}

// Ownership: create, list, validate (a wrong token, then the file's).
const own = await pcaps.ownership.create({ account_id, destination_conf });
check('Ownership', own, 'ownership.create');
expect(own.status === 'pending', 'a new challenge is pending');
const listed = [];
for await (const o of pcaps.ownership.get({ account_id })) {
  check('Ownership', o, 'ownership.get');
  listed.push(o.id);
}
expect(listed.includes(own.id), 'ownership.get lists the new challenge');
const token = await (await fetch(`${folderURL}/${own.filename}`)).text();
const wrong = await pcaps.ownership.validate({ account_id, destination_conf, ownership_challenge: '0'.repeat(32) });
check('Ownership', wrong, 'ownership.validate');
expect(wrong.status === 'failed', 'a wrong token fails');
const right = await pcaps.ownership.validate({ account_id, destination_conf, ownership_challenge: token });
check('Ownership', right, 'ownership.validate');
expect(right.status === 'success' && right.validated, 'the file token validates');

// A simple capture, created, read, listed and downloaded.
const simple = await pcaps.create({
  account_id, type: 'simple', system: 'magic-transit', time_limit: 5, packet_limit: 20,
  filter_v1: { protocol: 6 },
});
checkCapture('PCAPCreateResponse', simple, 'pcaps.create (simple)');
const simpleDone = await waitFor(simple.id, ['success', 'failed']);
expect(simpleDone.status === 'success', `the simple capture succeeds: ${JSON.stringify(simpleDone)}`);
expect(!('stop_requested' in simpleDone), 'stop_requested is absent on a simple capture');
const download = await pcaps.download.get(simple.id, { account_id });
const bytes = Buffer.from(await download.arrayBuffer());

// A full capture to the validated bucket, stopped, then delivered.
const full = await pcaps.create({
  account_id, type: 'full', system: 'magic-transit', time_limit: 300, colo_name: 'local',
  destination_conf, byte_limit: 5_000_000,
});
checkCapture('PCAPCreateResponse', full, 'pcaps.create (full)');
await waitFor(full.id, ['running', 'conversion_pending', 'conversion_running', 'success']);
await pcaps.stop(full.id, { account_id });
const delivered = await waitFor(full.id, ['success', 'failed']);
expect(delivered.status === 'success', `the full capture is delivered: ${JSON.stringify(delivered)}`);
expect(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(delivered.stop_requested), 'stop_requested is a time');
await expectStatus(pcaps.download.get(full.id, { account_id }), 409, 'download of a delivered capture');

for await (const c of pcaps.list({ account_id })) checkCapture('PCAPListResponse', c, 'pcaps.list');
await expectStatus(pcaps.get('0'.repeat(32), { account_id }), 404, 'pcaps.get of an unknown id');

// Ownership: delete, then it is gone.
await pcaps.ownership.delete(own.id, { account_id });
for await (const o of pcaps.ownership.get({ account_id })) expect(o.id !== own.id, 'the challenge is deleted');
await expectStatus(pcaps.ownership.delete(own.id, { account_id }), 404, 'ownership.delete again');

process.stdout.write(JSON.stringify({ simple: simple.id, full: full.id, downloaded: bytes.length, checks }) + '\n');
