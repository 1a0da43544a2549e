// What the SDK scripts of the bucket tests share (sdk_compat.mjs,
// sdk_lookback.mjs): the official Cloudflare TypeScript SDK (npm
// `cloudflare`, pinned in package-lock.json), unchanged, pointed at the
// daemon, and the SDK's own declared types to check every answer against:
// its .d.ts files are turned into JSON Schema (ts-json-schema-generator)
// and each result validated with ajv.  TypeScript types allow properties
// they do not declare, so the schemas do too; what is declared must be
// there with its type.
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import Cloudflare from 'cloudflare';
import { createGenerator } from 'ts-json-schema-generator';

export { Cloudflare };

// The SDK's type of a full capture (a member of the unions it returns).
export const FULL = 'PCAPGetResponse.MagicVisibilityPCAPsPCAPsResponseFull';

// The SDK's declared types of `file`, as JSON Schema.
function schemas(file, types) {
  const path = fileURLToPath(
    new URL(`node_modules/cloudflare/resources/magic-transit/pcaps/${file}`, import.meta.url),
  );
  const gen = createGenerator({ path, skipTypeCheck: true, additionalProperties: true, topRef: false });
  return Object.fromEntries(types.map((t) => [t, gen.createSchema(t)]));
}

// The SDK's client of the daemon at `baseURL` and the checks of its
// answers; `checks` counts the checks made.
export function sdkSession(baseURL, apiToken, account_id) {
  const client = new Cloudflare({ apiToken, baseURL, maxRetries: 0 });
  const pcaps = client.magicTransit.pcaps;
  const types = {
    ...schemas('pcaps.d.ts', ['PCAP', FULL, 'PCAPCreateResponse', 'PCAPGetResponse', 'PCAPListResponse']),
    ...schemas('ownership.d.ts', ['Ownership']),
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = Object.fromEntries(Object.entries(types).map(([k, s]) => [k, ajv.compile(s)]));
  const s = { client, pcaps, checks: 0 };

  s.expect = (cond, what) => {
    if (!cond) throw new Error(what);
  };
  s.check = (type, value, what) => {
    const v = validators[type];
    if (!v(value)) {
      throw new Error(`${what} does not match the SDK's ${type}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value)}`);
    }
    s.checks++;
  };
  // Checks a capture against the union a method returns and its own type.
  s.checkCapture = (union, c, what) => {
    s.check(union, c, what);
    s.check(c.type === 'full' ? FULL : 'PCAP', c, what);
  };
  // Polls capture `id` with pcaps.get until its status is one of `statuses`.
  s.waitFor = async (id, statuses) => {
    for (let i = 0; i < 600; i++) {
      const c = await pcaps.get(id, { account_id });
      s.checkCapture('PCAPGetResponse', c, 'pcaps.get');
      if (statuses.includes(c.status)) return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`capture ${id} never reached ${statuses}`);
  };
  // Expects `promise` to fail with the SDK's APIError of HTTP `status`.
  s.expectStatus = async (promise, status, what) => {
    try {
      await promise;
    } catch (e) {
      s.expect(e instanceof Cloudflare.APIError && e.status === status, `${what}: ${e}`);
      s.checks++;
      return e;
    }
    throw new Error(`${what}: no error`);
  };
  return s;
}
