// The analysis of a capture or an upload: a summary, then tabs for the
// protocol hierarchy (a chart), top talkers and conversations (sortable
// tables, per address table), DNS lookups, TLS and QUIC server names, and
// the packets a display filter passes (the API's message when the filter
// is wrong).  Each tab loads when first opened.

import { analysis } from './api.js';
import { hierarchyChart } from './chart.js';
import { errorBox, fmt, h, replace, showError, title } from './dom.js';
import { session } from './session.js';
import { sortableTable } from './table.js';

const ADDRESS_TABLES = [['ip', 'IPv4'], ['ipv6', 'IPv6'], ['tcp', 'TCP'], ['udp', 'UDP'], ['eth', 'Ethernet']];
const PAGE = 100;
const PACKET_FIELDS = ['frame.number', 'frame.time_relative', 'ip.src', 'ip.dst', 'ipv6.src',
  'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'frame.len',
  'dns.qry.name', 'http.request.method', 'http.host', 'http.request.uri',
  'tls.handshake.extensions_server_name'];

/** A field value as text: occurrences joined by commas, as tshark prints them. */
const text = (v) => (Array.isArray(v) ? v.join(',') : v ?? '');
const num = (v) => (v === null || v === undefined || v === '' ? null : Number(v));
const first = (...values) => values.find((v) => v !== undefined && v !== '');

/** Runs `load()` into `panel`, showing progress, 202 waits and the API's errors. */
async function fill(panel, load) {
  const status = h('p', { class: 'loading', role: 'status' }, 'Loading…');
  const error = errorBox();
  replace(panel, status, error);
  try {
    const content = await load((waiting) => {
      status.textContent = waiting
        ? 'The appliance is still analysing this capture; this view appears when it is done…'
        : 'Loading…';
    });
    replace(panel, content);
  } catch (e) {
    status.remove();
    showError(error, e);
  }
}

/** A select of the address tables; `change(table)` reloads. */
function tableSelect(id, change) {
  const select = h('select', { id }, ADDRESS_TABLES.map(([v, label]) => h('option', { value: v }, label)));
  select.addEventListener('change', () => change(select.value));
  return select;
}

/** The protocol hierarchy chart. */
function hierarchyPanel(id) {
  return (onWait) => analysis(id, 'stats/hierarchy', null, onWait)
    .then((data) => (data.protos.length ? hierarchyChart(data.protos) : h('p', null, 'No frames.')));
}

/** A column of counts (packets, bytes), right-aligned with thousands marks. */
const count = (key, label) => ({ key, label, numeric: true, render: (r) => fmt.int(r[key]) });
/** A column of port numbers (strings in the API's answers), shown when `ports`. */
const portColumn = (ports, key, label) => (ports ? [{ key, label, numeric: true, value: (r) => num(r[key]) }] : []);

/** A panel of one view per address table, with a select to switch tables. */
function perTablePanel(panel, id, view, name, makeTable) {
  const body = h('div');
  const load = (table) => fill(body, (onWait) => analysis(id, view, { protocol: table }, onWait)
    .then((data) => makeTable(data, table === 'tcp' || table === 'udp')));
  replace(panel, h('div', { class: 'toolbar' }, h('label', { for: `${name}-table` }, 'Addresses'),
    tableSelect(`${name}-table`, load)), body);
  load('ip');
}

/** Endpoints of an address table, largest first. */
function talkersPanel(id, panel) {
  perTablePanel(panel, id, 'stats/endpoints', 'talkers', (data, ports) => sortableTable({
    name: 'talkers',
    caption: 'Top talkers',
    rows: data.hosts.map((x) => ({ ...x, frames: x.txf + x.rxf, bytes: x.txb + x.rxb })),
    sort: { key: 'bytes', dir: 'desc' },
    columns: [
      { key: 'host', label: 'Host', class: 'mono' },
      ...portColumn(ports, 'port', 'Port'),
      count('frames', 'Packets'),
      count('bytes', 'Bytes'),
      count('txf', 'Tx packets'),
      count('txb', 'Tx bytes'),
      count('rxf', 'Rx packets'),
      count('rxb', 'Rx bytes'),
    ],
    empty: 'No hosts of this kind.',
  }));
}

/** Conversations of an address table, largest first. */
function conversationsPanel(id, panel) {
  perTablePanel(panel, id, 'stats/conversations', 'conversations', (data, ports) => sortableTable({
    name: 'conversations',
    caption: 'Conversations',
    rows: data.convs,
    sort: { key: 'totalb', dir: 'desc' },
    columns: [
      { key: 'saddr', label: 'Address A', class: 'mono' },
      ...portColumn(ports, 'sport', 'Port A'),
      { key: 'daddr', label: 'Address B', class: 'mono' },
      ...portColumn(ports, 'dport', 'Port B'),
      count('totalf', 'Packets'),
      count('totalb', 'Bytes'),
      count('txb', 'Bytes A→B'),
      count('rxb', 'Bytes B→A'),
      { key: 'start', label: 'Start', numeric: true, render: (r) => r.start.toFixed(6) },
      { key: 'duration', label: 'Duration', numeric: true, render: (r) => fmt.seconds(r.duration) },
    ],
    empty: 'No conversations of this kind.',
  }));
}

/** Every DNS query with its response. */
function dnsPanel(id) {
  return (onWait) => analysis(id, 'dns/lookups', null, onWait).then((data) => sortableTable({
    name: 'dns',
    caption: 'DNS lookups',
    rows: data.lookups,
    columns: [
      { key: 'frame', label: 'Frame', numeric: true, render: (r) => r.frame ?? '–' },
      { key: 'client', label: 'Client', class: 'mono' },
      { key: 'server', label: 'Server', class: 'mono' },
      { key: 'full_query', label: 'Query', class: 'mono' },
      { key: 'query_type', label: 'Type' },
      { key: 'rcode', label: 'Response', render: (r) => r.rcode ?? 'no response' },
      { key: 'response_time', label: 'Time', numeric: true, render: (r) => fmt.seconds(r.response_time) },
      { key: 'answers', label: 'Answers', class: 'mono', value: (r) => r.answers.join(', ') },
    ],
    empty: 'No DNS lookups in this capture.',
  }));
}

/** Server names of TLS and QUIC handshakes. */
function tlsPanel(id) {
  return (onWait) => analysis(id, 'tls/hosts', null, onWait).then((data) => sortableTable({
    name: 'tls',
    caption: 'TLS and QUIC server names',
    rows: data.hosts,
    sort: { key: 'first_frame', dir: 'asc' },
    columns: [
      { key: 'server_name', label: 'Server name', class: 'mono' },
      { key: 'protocol', label: 'Protocol', render: (r) => r.protocol.toUpperCase() },
      { key: 'client', label: 'Client', class: 'mono' },
      { key: 'server', label: 'Server', class: 'mono' },
      { key: 'port', label: 'Port', numeric: true },
      { key: 'first_frame', label: 'First frame', numeric: true },
      { key: 'frames', label: 'Handshakes', numeric: true },
    ],
    empty: 'No TLS or QUIC handshakes with a server name.',
  }));
}

/** The Info column: what the frame's application fields say. */
function info(f) {
  const parts = [];
  if (f['dns.qry.name']) parts.push(`DNS ${text(f['dns.qry.name'])}`);
  if (f['http.request.method']) {
    parts.push(`HTTP ${text(f['http.request.method'])} ${text(f['http.host'])}${text(f['http.request.uri'])}`);
  }
  if (f['tls.handshake.extensions_server_name']) parts.push(`SNI ${text(f['tls.handshake.extensions_server_name'])}`);
  return parts.join(' · ');
}

/** The packets a display filter passes, a page at a time. */
function packetsPanel(id, panel) {
  let offset = 0;
  const error = errorBox('filter-error');
  const filter = h('input', { id: 'display-filter', name: 'filter', class: 'mono', spellcheck: 'false',
    autocomplete: 'off', placeholder: 'e.g. dns or tcp.port == 443 and ip.addr == 10.0.0.0/8',
    'aria-describedby': 'display-filter-help' });
  const results = h('div');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of packets' });

  async function load() {
    showError(error, null);
    filter.removeAttribute('aria-invalid');
    const status = h('p', { class: 'loading', role: 'status' }, 'Loading…');
    replace(results, status);
    try {
      const data = await analysis(id, 'packets/fields', {
        fields: PACKET_FIELDS.join(','), filter: filter.value.trim(), limit: PAGE, offset,
      }, (waiting) => { status.textContent = waiting ? 'The query is running on the appliance…' : 'Loading…'; });
      const rows = data.packets.map((p) => {
        const f = p.fields;
        return {
          frame: p.frame,
          time: num(f['frame.time_relative']),
          src: text(first(f['ip.src'], f['ipv6.src'])),
          dst: text(first(f['ip.dst'], f['ipv6.dst'])),
          sport: num(text(first(f['tcp.srcport'], f['udp.srcport']))),
          dport: num(text(first(f['tcp.dstport'], f['udp.dstport']))),
          len: num(f['frame.len']),
          info: info(f),
        };
      });
      replace(results, sortableTable({
        name: 'packets',
        caption: 'Packets the display filter passes',
        rows,
        columns: [
          { key: 'frame', label: 'No.', numeric: true },
          { key: 'time', label: 'Time', numeric: true, render: (r) => (r.time === null ? '' : r.time.toFixed(6)) },
          { key: 'src', label: 'Source', class: 'mono' },
          { key: 'sport', label: 'Src port', numeric: true },
          { key: 'dst', label: 'Destination', class: 'mono' },
          { key: 'dport', label: 'Dst port', numeric: true },
          { key: 'len', label: 'Length', numeric: true },
          { key: 'info', label: 'Info', class: 'mono' },
        ],
        empty: 'No frame passes this filter.',
      }));
      replace(pager,
        h('button', { type: 'button', class: 'small', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, 'Previous'),
        h('span', null, rows.length ? ` frames ${offset + 1}–${offset + rows.length} of the matching ` : ' '),
        h('button', { type: 'button', class: 'small', disabled: !data.more, onclick: () => { offset += PAGE; load(); } }, 'Next'));
    } catch (e) {
      replace(results);
      replace(pager);
      showError(error, e);
      if (e.field === 'filter') {
        filter.setAttribute('aria-invalid', 'true');
        filter.focus();
      }
    }
  }

  const form = h('form', { class: 'toolbar filter', role: 'search', novalidate: true },
    h('label', { for: 'display-filter' }, 'Display filter'), filter,
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
    h('p', { id: 'display-filter-help', class: 'help' },
      'Wireshark display filters: ==, !=, contains, matches, in {…}, CIDR, and/or/not.'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    offset = 0;
    load();
  });
  replace(panel, form, error, results, pager);
  load();
}

/** Accessible tabs: arrow keys, Home and End move between them. */
function tabs(specs) {
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Analyses', class: 'tabs' });
  const panels = [];
  const loaded = new Set();
  const buttons = specs.map(([key, label], i) => h('button', {
    type: 'button', role: 'tab', id: `tab-${key}`, 'aria-controls': `panel-${key}`,
    'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1',
    onclick: () => select(i),
  }, label));
  tablist.append(...buttons);
  for (const [key] of specs) {
    panels.push(h('section', { role: 'tabpanel', id: `panel-${key}`, 'aria-labelledby': `tab-${key}`,
      tabindex: '0', class: 'panel card', hidden: true }));
  }
  function select(i, focus = false) {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) buttons[i].focus();
    if (!loaded.has(i)) {
      loaded.add(i);
      specs[i][2](panels[i]);
    }
  }
  tablist.addEventListener('keydown', (event) => {
    const i = buttons.indexOf(document.activeElement);
    const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 };
    if (i < 0 || !(event.key in moves)) return;
    event.preventDefault();
    select((moves[event.key] + buttons.length) % buttons.length, true);
  });
  select(0);
  return [tablist, ...panels];
}

export function analysisView(main, id) {
  const upload = session.uploads().find((u) => u.id === id);
  const summary = h('section', { class: 'card summary', 'aria-label': 'Summary' });
  fill(summary, (onWait) => analysis(id, 'status', null, onWait).then((st) => h('dl', { class: 'stats' },
    [['Frames', fmt.int(st.frames)], ['Bytes', fmt.bytes(st.data_size)], ['File', fmt.bytes(st.filesize)],
      ['Duration', fmt.seconds(st.duration)], ['Start', fmt.time(st.start_time)], ['End', fmt.time(st.end_time)],
      ['Link type', st.encapsulation], ['Format', st.format]]
      .map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))))));
  main.replaceChildren(
    h('p', { class: 'crumbs' }, upload ? h('a', { href: '#/upload' }, '← Uploads')
      : [h('a', { href: '#/captures' }, '← Captures'), ' · ', h('a', { href: `#/captures/${id}` }, 'this capture')]),
    title('Analysis of ', h('span', { class: 'mono' }, upload ? upload.filename : id)),
    summary,
    ...tabs([
      ['hierarchy', 'Protocols', (p) => fill(p, hierarchyPanel(id))],
      ['talkers', 'Top talkers', (p) => talkersPanel(id, p)],
      ['conversations', 'Conversations', (p) => conversationsPanel(id, p)],
      ['dns', 'DNS', (p) => fill(p, dnsPanel(id))],
      ['tls', 'TLS / QUIC names', (p) => fill(p, tlsPanel(id))],
      ['packets', 'Packets', (p) => packetsPanel(id, p)],
    ]));
}
