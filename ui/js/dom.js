// Small helpers to build the page: elements from a tag, properties and
// children; SVG elements; number, size, time and status formatting; the
// error box that shows an API message.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Adds children (nodes, strings, numbers, arrays; null and false skipped). */
function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Sets properties: class, dataset, on* listeners, booleans and attributes. */
function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'value' && 'value' in el) el.value = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  return el;
}

/** An HTML element. */
export function h(tag, props, ...children) {
  return append(setProps(document.createElement(tag), props), children);
}

/** An SVG element. */
export function s(tag, props, ...children) {
  return append(setProps(document.createElementNS(SVG_NS, tag), props), children);
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const numberFormat = new Intl.NumberFormat('en-US');

export const fmt = {
  int: (n) => (n === null || n === undefined ? '–' : numberFormat.format(n)),
  bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    let v = n;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i += 1;
    }
    return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
  },
  seconds(x) {
    if (x === null || x === undefined) return '–';
    if (x < 1) return `${(x * 1000).toFixed(x < 0.001 ? 3 : 1)} ms`;
    if (x < 120) return `${x.toFixed(x < 10 ? 3 : 1)} s`;
    const m = Math.floor(x / 60);
    if (m < 120) return `${m} min ${Math.round(x % 60)} s`;
    const hours = Math.floor(m / 60);
    return hours < 48 ? `${hours} h ${m % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
  },
  /** A limit in seconds as the form takes it ("300 s", "2 h"). */
  limit(secs) {
    if (secs % 3600 === 0) return `${secs / 3600} h`;
    if (secs % 60 === 0 && secs >= 120) return `${secs / 60} min`;
    return `${secs} s`;
  },
  /** An RFC 3339 UTC time, shorter: "2026-12-03 12:21:46Z". */
  time: (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–'),
  percent: (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '–'),
};

/** A status badge: the word, with a colour that is never the only cue. */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status);
}

/** A box that shows an error (role=alert, so screen readers say it). */
export function errorBox(id) {
  return h('div', { class: 'notice error', role: 'alert', id, hidden: true });
}

/** Shows `error` (an ApiError or any Error) in `box`, or hides it for null. */
export function showError(box, error) {
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  replace(box, error.detail || error.message);
  box.hidden = false;
}

/** A heading that takes focus when its view opens (for keyboard and screen readers). */
export function title(text, ...rest) {
  return h('h1', { tabindex: '-1', class: 'view-title' }, text, ...rest);
}
