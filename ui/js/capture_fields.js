// What the dashboard knows of a capture's fields: IP protocol names, the
// one-line description of a filter (in the words of pcapctl's flags), the
// create request built from the form's values, and how far a capture is
// towards its nearest limit.

/** IANA protocol keywords the form accepts besides numbers. */
export const PROTOCOLS = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, rsvp: 46, gre: 47, esp: 50,
  ah: 51, icmpv6: 58, ospf: 89, pim: 103, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136,
};

const NAMES = Object.fromEntries(Object.entries(PROTOCOLS).map(([k, v]) => [v, k]));

/** "proto tcp src 10.0.0.0/8 dport 443", or "everything". */
export function describeFilter(f) {
  const parts = [];
  if (!f) return 'everything';
  if (f.protocol !== undefined) parts.push(`proto ${NAMES[f.protocol] || f.protocol}`);
  if (f.source_address) parts.push(`src ${f.source_address}`);
  if (f.source_port !== undefined) parts.push(`sport ${f.source_port}`);
  if (f.destination_address) parts.push(`dst ${f.destination_address}`);
  if (f.destination_port !== undefined) parts.push(`dport ${f.destination_port}`);
  return parts.length ? parts.join(' ') : 'everything';
}

/**
 * A form value as the API receives it: whole numbers as numbers, anything
 * else as typed, so the API's own message says what is wrong with it.
 */
function number(text) {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** The create request of the form's values ({name: text}); empty fields are left out. */
export function createRequest(values) {
  const body = { type: values.type || 'simple', system: 'magic-transit' };
  const full = body.type === 'full';
  const limits = ['time_limit', 'packet_limit', ...(full ? ['byte_limit'] : [])];
  for (const key of limits) if (values[key]) body[key] = number(values[key]);
  if (full) {
    for (const key of ['colo_name', 'destination_conf']) if (values[key]) body[key] = values[key];
  }
  const filter = {};
  const proto = (values['filter_v1.protocol'] || '').toLowerCase();
  if (proto) filter.protocol = PROTOCOLS[proto] ?? number(proto);
  for (const key of ['source_address', 'destination_address']) {
    if (values[`filter_v1.${key}`]) filter[key] = values[`filter_v1.${key}`];
  }
  for (const key of ['source_port', 'destination_port']) {
    if (values[`filter_v1.${key}`]) filter[key] = number(values[`filter_v1.${key}`]);
  }
  if (Object.keys(filter).length) body.filter_v1 = filter;
  return body;
}

/** Tells whether a capture has ended. */
export const ended = (c) => c.status === 'success' || c.status === 'failed';

/** Seconds of the time limit left, from the submitted time (appliance clock). */
export function secondsLeft(c, now = Date.now()) {
  const left = Math.round((Date.parse(c.submitted) + c.time_limit * 1000 - now) / 1000);
  return Math.min(c.time_limit, Math.max(0, left));
}

/** How far the capture is towards the first of its limits, 0 to 1. */
export function progress(c, now = Date.now()) {
  if (ended(c)) return 1;
  const byTime = c.time_limit ? (c.time_limit - secondsLeft(c, now)) / c.time_limit : 0;
  const byPackets = c.packet_limit ? c.packets_captured / c.packet_limit : 0;
  return Math.min(1, Math.max(byTime, byPackets));
}
