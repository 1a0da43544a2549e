// One capture: its fields, a live progress bar while it runs (polled every
// second), and stop, download and analysis.

import { getCapture } from './api.js';
import { actions, runAction } from './captures.js';
import { describeFilter, ended, progress, secondsLeft } from './capture_fields.js';
import { errorBox, fmt, h, replace, showError, statusBadge, title } from './dom.js';

/** The capture's fields as a description list, in the API's names. */
function fields(c) {
  const rows = [
    ['id', c.id], ['status', statusBadge(c.status)], ['type', c.type], ['system', c.system],
    ['submitted', fmt.time(c.submitted)], ['time_limit', fmt.limit(c.time_limit)],
    ['packet_limit', c.packet_limit === undefined ? null : fmt.int(c.packet_limit)],
    ['packets_captured', fmt.int(c.packets_captured)],
    ['packets_remaining', c.packets_remaining === undefined ? null : fmt.int(c.packets_remaining)],
    ['packets_dropped', fmt.int(c.packets_dropped)],
    ['byte_limit', c.byte_limit === undefined ? null : `${fmt.int(c.byte_limit)} (${fmt.bytes(c.byte_limit)})`],
    ['colo_name', c.colo_name], ['destination_conf', c.destination_conf],
    ['filter_v1', describeFilter(c.filter_v1)], ['stop_requested', c.stop_requested ? 'yes' : 'no'],
    ['error_message', c.error_message],
  ];
  return h('dl', { class: 'fields' }, rows.filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [h('dt', null, k), h('dd', { class: k === 'id' ? 'mono' : null }, v)]));
}

export function captureView(main, id) {
  let timer = null;
  let stopped = false;
  const error = errorBox('capture-error');
  const body = h('div', { class: 'card' }, h('p', null, 'Loading…'));

  function render(c) {
    const pct = Math.round(progress(c) * 100);
    replace(body,
      ended(c) ? null : h('div', { class: 'live' },
        h('progress', { max: 100, value: pct, 'aria-labelledby': 'live-text' }),
        h('p', { id: 'live-text' }, `${pct}% · ${fmt.int(c.packets_captured)} packets · `
          + `${secondsLeft(c)} s left · ${fmt.int(c.packets_dropped)} dropped`)),
      fields(c),
      h('div', { class: 'actions' }, actions(c, (kind, cap) => runAction(kind, cap, error, refresh))));
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const { result } = await getCapture(id);
      if (stopped) return;
      render(result);
      if (!ended(result)) timer = setTimeout(refresh, 1000);
    } catch (e) {
      if (!stopped) showError(error, e);
    }
  }

  main.replaceChildren(h('p', { class: 'crumbs' }, h('a', { href: '#/captures' }, '← Captures')),
    title('Capture ', h('span', { class: 'mono' }, id)), error, body);
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
