// The captures page: the create form and the account's captures with live
// status (polled every 2 s while one is pending or running, every 10 s
// otherwise, not at all while the tab is hidden), with stop, download and
// analysis at hand.

import { download, listCaptures, stopCapture } from './api.js';
import { captureForm } from './capture_form.js';
import { describeFilter, ended, progress } from './capture_fields.js';
import { errorBox, fmt, h, replace, showError, statusBadge, title } from './dom.js';

const PER_PAGE = 25;

/** The cell of packets captured, with a bar towards the nearest limit. */
export function packetsCell(c) {
  const text = c.packet_limit ? `${fmt.int(c.packets_captured)} / ${fmt.int(c.packet_limit)}`
    : fmt.int(c.packets_captured);
  const done = Math.round(progress(c) * 100);
  return h('div', { class: 'packets' }, h('span', null, text),
    ended(c) ? null : h('progress', { max: 100, value: done, 'aria-label': `${done}% towards the capture's nearest limit` }));
}

/** Stop, download and analysis buttons of capture `c`; `act(kind, c)` runs one. */
export function actions(c, act) {
  const button = (kind, label) => h('button', {
    type: 'button', class: 'small', dataset: { focusKey: `${c.id}:${kind}` },
    'aria-label': `${label} capture ${c.id}`, onclick: () => act(kind, c),
  }, label);
  return ended(c)
    ? [button('download', 'Download'), h('a', { class: 'button small', href: `#/analysis/${c.id}`,
      'aria-label': `Analyse capture ${c.id}` }, 'Analyse')]
    : [button('stop', 'Stop')];
}

/** Runs a stop or a download, showing its error in `box`. */
export async function runAction(kind, c, box, after) {
  showError(box, null);
  try {
    if (kind === 'stop') await stopCapture(c.id);
    else await download(c.id);
  } catch (e) {
    showError(box, e);
  }
  after();
}

export function capturesView(main) {
  let page = 1;
  let timer = null;
  let stopped = false;
  const error = errorBox('list-error');
  const notice = h('p', { class: 'notice ok', role: 'status', hidden: true });
  const tbody = h('tbody');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of captures' });
  const updated = h('p', { class: 'updated', 'aria-hidden': 'true' });

  const table = h('table', { class: 'data captures' },
    h('caption', { class: 'visually-hidden' }, 'Captures of the account, newest first'),
    h('thead', null, h('tr', null,
      ['Capture', 'Status', 'Type', 'Submitted', 'Time limit', 'Packets', 'Dropped', 'Filter', 'Actions']
        .map((t, i) => h('th', { scope: 'col', class: i === 4 || i === 6 ? 'num' : null }, t)))),
    tbody);

  function row(c) {
    return h('tr', { dataset: { id: c.id } },
      h('td', { class: 'mono' }, h('a', { href: `#/captures/${c.id}`, title: c.id, 'aria-label': `Capture ${c.id}` },
        c.id.slice(0, 12), '…')),
      h('td', null, statusBadge(c.status)),
      h('td', null, c.type),
      h('td', { class: 'nowrap' }, fmt.time(c.submitted)),
      h('td', { class: 'num' }, fmt.limit(c.time_limit)),
      h('td', null, packetsCell(c)),
      h('td', { class: 'num' }, fmt.int(c.packets_dropped)),
      h('td', { class: 'mono filter' }, describeFilter(c.filter_v1)),
      h('td', { class: 'actions' }, actions(c, (kind, cap) => runAction(kind, cap, error, refresh))));
  }

  function renderPager(info) {
    const pages = Math.max(1, Math.ceil(info.total_count / PER_PAGE));
    replace(pager,
      h('button', { type: 'button', class: 'small', disabled: page <= 1, onclick: () => { page -= 1; refresh(); } }, 'Newer'),
      h('span', null, ` page ${page} of ${pages} · ${fmt.int(info.total_count)} captures `),
      h('button', { type: 'button', class: 'small', disabled: page >= pages, onclick: () => { page += 1; refresh(); } }, 'Older'));
  }

  async function refresh() {
    clearTimeout(timer);
    let active = false;
    try {
      const { result, info } = await listCaptures(page, PER_PAGE);
      if (stopped) return;
      const focusKey = document.activeElement?.dataset?.focusKey;
      replace(tbody, result.length ? result.map(row)
        : h('tr', null, h('td', { colspan: 9, class: 'empty' }, 'No captures yet: start one above.')));
      if (focusKey) tbody.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
      renderPager(info);
      active = result.some((c) => !ended(c));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}${active ? ' · live' : ''}`;
      if (error.dataset.source === 'list') showError(error, null);
    } catch (e) {
      if (stopped) return;
      showError(error, e);
      error.dataset.source = 'list';
    }
    if (!stopped) timer = setTimeout(refresh, active ? 2000 : 10000);
  }

  const onVisible = () => { if (!document.hidden) refresh(); else clearTimeout(timer); };
  document.addEventListener('visibilitychange', onVisible);

  const form = captureForm((c) => {
    replace(notice, 'Capture ', h('a', { href: `#/captures/${c.id}` }, c.id), ` is ${c.status}.`);
    notice.hidden = false;
    page = 1;
    refresh();
  });

  main.replaceChildren(title('Captures'), h('div', { class: 'layout' }, form,
    h('section', { class: 'card list', 'aria-labelledby': 'list-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'list-title' }, 'Captures'), updated),
      notice, error, h('div', { class: 'table-wrap' }, table), pager)));
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
