// The public API as the dashboard uses it, with the signed-in token: the
// jobs API (Cloudflare's v4 envelope) and the analysis API (CloudShark's
// {"data"} answers).  Every failure becomes an ApiError carrying the
// API's own message, so the page shows what the API says.

import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** The request field the message names ("time_limit: must be ..."), or null. */
  get field() {
    const m = /^([a-z_0-9]+(?:\.[a-z_0-9]+)?): /.exec(this.message);
    return m ? m[1] : null;
  }

  /** The message as the page shows it, with the status and code. */
  get detail() {
    if (this.status === 0) return this.message;
    return `${this.message} (HTTP ${this.status}${this.code ? `, code ${this.code}` : ''})`;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends a request with the session's token; network failures become ApiError 0. */
async function send(method, path, { body, headers = {} } = {}) {
  const s = session.get();
  const all = { ...headers };
  if (s) all.Authorization = `Bearer ${s.token}`;
  try {
    return await fetch(path, { method, headers: all, body, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `The appliance cannot be reached: ${e.message}`);
  }
}

/** The ApiError of a failed answer, with the message of either envelope. */
async function errorOf(resp) {
  let message = `HTTP ${resp.status} ${resp.statusText}`;
  let code;
  try {
    const body = await resp.json();
    if (body.errors && body.errors.length) {
      message = body.errors[0].message;
      code = body.errors[0].code;
    } else if (body.exceptions && body.exceptions.length) {
      message = body.exceptions[0];
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(resp.status, message, code);
}

/** Path of the account's captures, plus `suffix`. */
function pcapsPath(suffix = '') {
  const s = session.get();
  return `/client/v4/accounts/${encodeURIComponent(s ? s.account : '')}/pcaps${suffix}`;
}

/** Calls the jobs API; resolves to {result, info}. */
export async function jobs(method, suffix = '', body) {
  const options = body === undefined ? {} : {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  };
  const resp = await send(method, pcapsPath(suffix), options);
  if (!resp.ok) throw await errorOf(resp);
  const json = await resp.json();
  return { result: json.result, info: json.result_info };
}

/** The account's captures, newest first. */
export const listCaptures = (page = 1, perPage = 50) =>
  jobs('GET', `?page=${page}&per_page=${perPage}`);
export const getCapture = (id) => jobs('GET', `/${encodeURIComponent(id)}`);
export const stopCapture = (id) => jobs('PUT', `/${encodeURIComponent(id)}/stop`);
export const createCapture = (request) => jobs('POST', '', request);

/**
 * One view of the analysis API ("stats/hierarchy", "packets/fields"...).
 * While the appliance analyses a large capture it answers 202; this
 * retries after Retry-After, calling onWait(true) meanwhile.
 */
export async function analysis(id, view, params, onWait = () => {}) {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  const path = `/api/v2/analysis/${encodeURIComponent(id)}/${view}${query}`;
  for (;;) {
    const resp = await send('GET', path);
    if (resp.status === 202) {
      onWait(true);
      await sleep(1000 * (Number(resp.headers.get('retry-after')) || 1));
      continue;
    }
    onWait(false);
    if (!resp.ok) throw await errorOf(resp);
    return (await resp.json()).data;
  }
}

/** Uploads a capture file (multipart, with its name); resolves to {id, filename, filesize}. */
export async function upload(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  const resp = await send('POST', '/api/v2/upload', { body: form });
  if (!resp.ok) throw await errorOf(resp);
  return (await resp.json()).data;
}

/** Downloads a capture's pcap and hands it to the browser as ID.pcap. */
export async function download(id) {
  const resp = await send('GET', pcapsPath(`/${encodeURIComponent(id)}/download`));
  if (!resp.ok) throw await errorOf(resp);
  const blob = await resp.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${id}.pcap`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return blob.size;
}
