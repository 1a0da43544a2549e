// Look-back captures (issue 14) made by the official Cloudflare
// TypeScript SDK, unchanged: `pcaps.create` of a simple capture with
// `offset_time` and `filter_v1`, polled with `pcaps.get` until it
// succeeds, its file read with `pcaps.download.get`; every answer checked
// against the SDK's declared types (sdk_types.mjs).  An `offset_time` in
// the future must be refused with a 400 the SDK raises as an APIError.
//
//   node sdk_lookback.mjs BASE_URL TOKEN ACCOUNT REQUESTS_JSON
// REQUESTS_JSON: a list of {offset_time, time_limit, packet_limit,
// filter_v1, out}; each capture's file is written to `out`.  Prints one
// JSON line: each capture as pcaps.get last answered it, and the checks
// made.
import { writeFile } from 'node:fs/promises';

import { sdkSession } from './sdk_types.mjs';

const [, , baseURL, apiToken, account_id, requestsJSON] = process.argv;
const session = sdkSession(baseURL, apiToken, account_id);
const { pcaps, checkCapture, expect, expectStatus, waitFor } = session;

const captures = [];
for (const { out, ...request } of JSON.parse(requestsJSON)) {
  const created = await pcaps.create({ account_id, type: 'simple', system: 'magic-transit', ...request });
  checkCapture('PCAPCreateResponse', created, 'pcaps.create (offset_time)');
  expect(created.offset_time === request.offset_time, `offset_time is echoed: ${JSON.stringify(created)}`);
  const done = await waitFor(created.id, ['success', 'failed']);
  expect(done.status === 'success', `the look-back capture succeeds: ${JSON.stringify(done)}`);
  expect(done.offset_time === request.offset_time, 'offset_time is kept');
  const download = await pcaps.download.get(created.id, { account_id });
  await writeFile(out, Buffer.from(await download.arrayBuffer()));
  captures.push(done);
}

const future = new Date(Date.now() + 3600e3).toISOString();
const refused = await expectStatus(
  pcaps.create({ account_id, type: 'simple', system: 'magic-transit', time_limit: 5, packet_limit: 10, offset_time: future }),
  400, 'an offset_time in the future');
expect(JSON.stringify(refused.errors).includes('offset_time'), `the error names offset_time: ${refused.message}`);

process.stdout.write(JSON.stringify({ captures, checks: session.checks }) + '\n');
