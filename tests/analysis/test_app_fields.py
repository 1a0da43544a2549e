"""DNS, HTTP and DHCP fields on synthetic captures, against tshark.

app_fields_gen builds the cases the shared captures lack (DNS matching
with retransmissions and duplicates, odd and malformed names and records,
cut frames, DNS over TCP split and joined across segments, HTTP request
lines and Host headers with odd bytes, DHCP host names with overloaded
fields).  For each scenario and field, pcap-analyze fields must print,
frame by frame, what `tshark -n -2 -T fields -E occurrence=a` prints;
tshark's answers are computed here, at test time.

Each field is asked alone (a single pass when it needs no matching) and
all together (the two-pass run matching needs), since both must agree."""

import pytest

import app_fields_gen
import oracle

FIELDS = ["dns.id", "dns.flags.response", "dns.flags.rcode", "dns.qry.name", "dns.qry.type",
          "dns.a", "dns.aaaa", "dns.cname", "dns.time", "dns.response_in", "dns.response_to",
          "http.request.method", "http.host", "http.request.uri", "dhcp.option.hostname"]


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Writes every scenario's capture once; returns name -> path."""
    tmp = tmp_path_factory.mktemp("app_fields")
    paths = {}
    for name, build in app_fields_gen.SCENARIOS.items():
        paths[name] = str(tmp / (name + ".pcap"))
        app_fields_gen.write(paths[name], build())
    return paths




@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", sorted(app_fields_gen.SCENARIOS))
def test_field_equals_tshark(captures, name, field):
    """One field of one scenario, frame by frame."""
    fields = ["frame.number", field]
    ours, theirs = oracle.ours_fields(captures[name], fields), oracle.tshark_fields(captures[name], fields)
    diff = [(o, t) for o, t in zip(ours, theirs) if o != t]
    assert len(ours) == len(theirs) and not diff, diff[:5]


@pytest.mark.parametrize("name", sorted(app_fields_gen.SCENARIOS))
def test_all_fields_together(captures, name):
    """Every field at once (two passes), frame by frame."""
    fields = ["frame.number"] + FIELDS
    ours, theirs = oracle.ours_fields(captures[name], fields), oracle.tshark_fields(captures[name], fields)
    diff = [(o, t) for o, t in zip(ours, theirs) if o != t]
    assert len(ours) == len(theirs) and not diff, diff[:5]


def test_scenarios_carry_fields(captures):
    """The scenarios must exercise every field (tshark prints each somewhere)."""
    seen = set()
    for path in captures.values():
        for line in oracle.tshark_fields(path, FIELDS):
            seen.update(f for f, v in zip(FIELDS, line.split("\t")) if v)
    assert seen == set(FIELDS)
