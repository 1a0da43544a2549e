// Sortable data tables: each column heading is a button (keyboard and
// mouse); aria-sort tells screen readers the order.  Numbers sort as
// numbers, anything else as text; empty values go last.

import { h, replace } from './dom.js';

/** Compares two sort keys, empty ones last. */
function compare(a, b) {
  const emptyA = a === null || a === undefined || a === '';
  const emptyB = b === null || b === undefined || b === '';
  if (emptyA || emptyB) return emptyA - emptyB;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/**
 * A table of `rows` (objects).  columns: [{key, label, numeric, value(row)
 * (sort key, default row[key]), render(row) (cell content, default the
 * value)}].  sort: {key, dir: 'asc'|'desc'}.  Rows beyond `limit` are
 * left out with a note.
 */
export function sortableTable({ caption, columns, rows, sort, empty = 'None.', limit = 1000, name }) {
  let state = sort || null;
  const tbody = h('tbody');
  const heads = columns.map((col) => {
    const button = h('button', { type: 'button', class: 'sort', onclick: () => sortBy(col) },
      col.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }));
    return h('th', { scope: 'col', class: col.numeric ? 'num' : null, dataset: { key: col.key } },
      button);
  });
  const note = h('p', { class: 'table-note', hidden: true });
  const table = h('table', { class: 'data', dataset: { table: name || '' } },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, heads)),
    tbody);

  const valueOf = (col, row) => (col.value ? col.value(row) : row[col.key]);

  function render() {
    const sorted = [...rows];
    if (state) {
      const col = columns.find((c) => c.key === state.key);
      sorted.sort((a, b) => compare(valueOf(col, a), valueOf(col, b)) * (state.dir === 'asc' ? 1 : -1));
    }
    heads.forEach((th, i) => {
      const active = state && columns[i].key === state.key;
      if (active) th.setAttribute('aria-sort', state.dir === 'asc' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
      th.querySelector('.arrow').textContent = active ? (state.dir === 'asc' ? ' ▲' : ' ▼') : '';
    });
    const shown = sorted.slice(0, limit);
    replace(tbody, shown.length === 0
      ? h('tr', null, h('td', { colspan: columns.length, class: 'empty' }, empty))
      : shown.map((row) => h('tr', null, columns.map((col) => h('td',
        { class: col.numeric ? 'num' : col.class || null },
        col.render ? col.render(row) : valueOf(col, row) ?? '')))));
    note.hidden = sorted.length <= limit;
    note.textContent = `Showing ${limit} of ${sorted.length} rows.`;
  }

  function sortBy(col) {
    const dir = state && state.key === col.key
      ? (state.dir === 'asc' ? 'desc' : 'asc')
      : (col.numeric ? 'desc' : 'asc');
    state = { key: col.key, dir };
    render();
  }

  render();
  return h('div', { class: 'table-wrap' }, table, note);
}
