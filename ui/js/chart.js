// The protocol hierarchy as a chart: one row per protocol, indented by its
// depth in the tree, with a bar of its share of the capture's frames and
// its frames and bytes beside it.  SVG drawn here, no library; a table of
// the same numbers follows it for screen readers.

import { fmt, h, s } from './dom.js';

const ROW = 26;
const LABEL = 230;
const BAR = 420;
const WIDTH = 900;

/** [{depth, proto, frames, bytes}] of the tree, depth first. */
export function flatten(protos, depth = 0, out = []) {
  for (const p of protos || []) {
    out.push({ depth, proto: p.proto, frames: p.frames, bytes: p.bytes });
    flatten(p.protos, depth + 1, out);
  }
  return out;
}

/** The chart of `protos` (the hierarchy's top level) with its table. */
export function hierarchyChart(protos) {
  const rows = flatten(protos);
  const total = rows.filter((r) => r.depth === 0).reduce((n, r) => n + r.frames, 0);
  const height = Math.max(1, rows.length) * ROW + 8;
  const svg = s('svg', {
    class: 'hierarchy-chart', viewBox: `0 0 ${WIDTH} ${height}`, width: '100%',
    role: 'img', 'aria-labelledby': 'hierarchy-title',
    preserveAspectRatio: 'xMinYMin meet',
  }, s('title', { id: 'hierarchy-title' }, 'Protocol hierarchy: share of frames per protocol'));
  rows.forEach((r, i) => {
    const y = 4 + i * ROW;
    const w = total ? Math.max(1, (BAR * r.frames) / total) : 0;
    svg.append(s('g', { class: `level-${Math.min(r.depth, 5)}` },
      s('title', null, `${r.proto}: ${fmt.int(r.frames)} frames (${fmt.percent(r.frames, total)}), ${fmt.int(r.bytes)} bytes`),
      s('text', { x: 8 + r.depth * 16, y: y + 17, class: 'label' }, r.proto),
      s('rect', { x: LABEL, y: y + 4, width: BAR, height: ROW - 8, rx: 3, class: 'track' }),
      s('rect', { x: LABEL, y: y + 4, width: w, height: ROW - 8, rx: 3, class: 'bar' }),
      s('text', { x: LABEL + BAR + 12, y: y + 17, class: 'value' },
        `${fmt.int(r.frames)} frames · ${fmt.percent(r.frames, total)} · ${fmt.bytes(r.bytes)}`)));
  });
  const table = h('table', { class: 'visually-hidden' },
    h('caption', null, 'Protocol hierarchy'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Protocol'),
      h('th', { scope: 'col' }, 'Depth'), h('th', { scope: 'col' }, 'Frames'),
      h('th', { scope: 'col' }, 'Bytes'))),
    h('tbody', null, rows.map((r) => h('tr', null, h('td', null, r.proto), h('td', null, r.depth),
      h('td', null, r.frames), h('td', null, r.bytes)))));
  return h('figure', { class: 'chart' }, svg, table);
}
