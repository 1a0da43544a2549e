// The official Cloudflare TypeScript SDK (npm `cloudflare`, pinned in
// package-lock.json), unchanged, driving every magicTransit.pcaps method,
// ownership included, against the real daemon.  Every answer is checked
// against the SDK's own declared types (sdk_types.mjs): a full capture
// against the SDK's full-capture type, a simple one against PCAP, each
// also against the union the method returns.
//
//   node sdk_compat.mjs BASE_URL TOKEN ACCOUNT DESTINATION_CONF BUCKET_FOLDER_URL
// prints one JSON line: the ids, the downloaded size and the checks made.
import { sdkSession } from './sdk_types.mjs';

const [, , baseURL, apiToken, account_id, destination_conf, folderURL] = process.argv;
const session = sdkSession(baseURL, apiToken, account_id);
const { pcaps, check, checkCapture, expect, expectStatus, waitFor } = session;

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

process.stdout.write(JSON.stringify({ simple: simple.id, full: full.id, downloaded: bytes.length, checks: session.checks }) + '\n');
