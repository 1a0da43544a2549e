// A real S3-compatible server for the bucket tests: s3rver (pinned in
// package-lock.json) on loopback, storing objects in a folder.
//
// s3rver 3.x checks only the access key id of Signature V4 requests (its
// lib/middleware/authentication.js: "Signature version 4 calculation is
// unimplemented").  So that a wrong secret is refused as S3 refuses it,
// this launcher puts a Signature V4 check in front of s3rver's routes:
// the canonical request of the AWS specification, computed from the
// request as received, signed with s3rver's own secret, compared with the
// signature sent; a mismatch is S3's SignatureDoesNotMatch (403).
//
//
// `--damage N` makes the first N bodies put to capture objects (keys
// holding "pcap_", whole or in parts) arrive with one byte changed, as a
// copy damaged on the way would: s3rver stores it and answers its MD5,
// which the client must catch.
//
//   node s3server.mjs --port PORT --dir DIR [--bucket NAME]... [--tls CERT KEY] [--damage N]
// prints "listening PORT" once it serves; SIGTERM stops it.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Transform } from 'node:stream';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const S3Error = require('s3rver/lib/models/error');

// s3rver's one account.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

function args() {
  const out = { port: 0, dir: null, buckets: [], tls: {}, damage: 0 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--tls') {
      out.tls = { cert: readFileSync(argv[i + 1]), key: readFileSync(argv[i + 2]) };
      i++;
    } else if (argv[i] === '--port') out.port = Number(argv[i + 1]);
    else if (argv[i] === '--dir') out.dir = argv[i + 1];
    else if (argv[i] === '--bucket') out.buckets.push({ name: argv[i + 1] });
    else if (argv[i] === '--damage') out.damage = Number(argv[i + 1]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return out;
}

// RFC 3986 encoding, as Signature V4 wants it.
function encode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function canonicalQuery(raw) {
  if (!raw) return '';
  return raw
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      const k = decodeURIComponent(eq < 0 ? p : p.slice(0, eq));
      const v = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1).replace(/\+/g, '%20'));
      return [encode(k), encode(v)];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

// Checks the Signature V4 of a request signed in its Authorization header.
async function verifySignatureV4(ctx, next) {
  const auth = ctx.get('authorization');
  if (!auth.startsWith('AWS4-HMAC-SHA256 ')) return next();
  const parts = Object.fromEntries(
    auth
      .slice(17)
      .split(',')
      .map((s) => s.trim().split('=')),
  );
  const [keyId, date, region, service, terminator] = (parts.Credential || '').split('/');
  if (keyId !== ACCESS_KEY_ID) return next(); // s3rver answers InvalidAccessKeyId
  const signedHeaders = (parts.SignedHeaders || '').split(';');
  const [path, query] = ctx.req.url.split(/\?(.*)/s);
  const canonical = [
    ctx.method,
    path,
    canonicalQuery(query),
    signedHeaders.map((h) => `${h}:${String(ctx.req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders.join(';'),
    ctx.get('x-amz-content-sha256') || sha256(''),
  ].join('\n');
  const scope = [date, region, service, terminator].join('/');
  const toSign = ['AWS4-HMAC-SHA256', ctx.get('x-amz-date'), scope, sha256(canonical)].join('\n');
  let key = hmac('AWS4' + SECRET_ACCESS_KEY, date);
  for (const part of [region, service, terminator]) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  if (expected !== parts.Signature) {
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your key and signing method.',
      { AWSAccessKeyId: keyId, StringToSign: toSign },
    );
  }
  return next();
}

const opts = args();

// Changes one byte of the body of the next `opts.damage` PUTs of capture
// objects before s3rver reads it.
async function damageBodies(ctx, next) {
  if (opts.damage > 0 && ctx.method === 'PUT' && ctx.path.includes('pcap_')) {
    opts.damage--;
    let first = true;
    const damaged = new Transform({
      transform(chunk, encoding, done) {
        if (first && chunk.length > 0) {
          chunk = Buffer.from(chunk);
          chunk[0] ^= 0xff;
          first = false;
        }
        done(null, chunk);
      },
    });
    // What Koa and s3rver read of the request besides its body.
    for (const k of ['url', 'method', 'headers', 'httpVersion', 'socket']) damaged[k] = ctx.req[k];
    ctx.req.pipe(damaged);
    ctx.req = ctx.request.req = damaged;
  }
  return next();
}

const server = new S3rver({
  port: opts.port,
  address: '127.0.0.1',
  directory: opts.dir,
  silent: true,
  configureBuckets: opts.buckets,
  ...opts.tls,
});
// Before the virtual-host middleware and the routes (the last two).
server.middleware.splice(server.middleware.length - 2, 0, verifySignatureV4, damageBodies);
const { port } = await server.run();
process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
