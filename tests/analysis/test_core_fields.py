"""Link, network and transport fields on synthetic captures, against tshark.

core_fields_gen builds the cases the shared captures lack (ICMP errors
quoting headers, fragments, cut and bogus headers, handshake variants and
the segments Wireshark's sequence analysis flags, which decide where
tcp.analysis.initial_rtt shows).  For each scenario and field,
pcap-analyze fields must print, frame by frame, what
`tshark -n -2 -T fields -E occurrence=a` prints; tshark's answers are
computed here, at test time.

Each field is asked alone and all together, since a field that needs a
first pass (tcp.analysis.initial_rtt) changes how the others are run."""

import pytest

import core_fields_gen
import oracle

PROTOCOLS = ("eth.", "vlan.", "ieee8021ad.", "arp.", "ip.", "ipv6.", "icmp.", "icmpv6.", "udp.", "tcp.")
FIELDS = [f for f in oracle.registered_fields() if f.startswith(PROTOCOLS)]

# (scenario, field) -> reason: where we deliberately differ from tshark.
KNOWN_DIFFERENCES = {
    ("sequence_analysis", "tcp.analysis.flags"):
        "two SYN-ACKs with different sequence numbers: tshark's second pass compares the first "
        "with the base the second left, and flags it reused ports too; we flag the second only",
    ("sequence_analysis", "tcp.analysis.reused_ports"):
        "the same two SYN-ACKs (see tcp.analysis.flags)",
}


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Writes every scenario's capture once and runs tshark on it once for
    every field (a field's column does not depend on the others asked);
    returns name -> (path, tshark's columns by field, ours with every field asked)."""
    tmp = tmp_path_factory.mktemp("core_fields")
    out = {}
    for name, build in core_fields_gen.SCENARIOS.items():
        path = str(tmp / (name + ".pcap"))
        core_fields_gen.write(path, build())
        out[name] = (path, oracle.columns(oracle.tshark_fields(path, FIELDS), FIELDS),
                     oracle.columns(oracle.ours_fields(path, FIELDS), FIELDS))
    return out


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", sorted(core_fields_gen.SCENARIOS))
def test_field_alone_equals_tshark(captures, name, field):
    """One field of one scenario, asked alone, frame by frame."""
    path, theirs, together = captures[name]
    if not any(theirs[field]) and not any(together[field]):
        return  # Never present here, asked with all the others: nothing to compare.
    ours = oracle.columns(oracle.ours_fields(path, [field]), [field])[field]
    diff = oracle.first_difference(ours, theirs[field])
    if (name, field) in KNOWN_DIFFERENCES:
        assert diff is not None, f"{name} {field} now equals tshark: drop it from KNOWN_DIFFERENCES"
        pytest.xfail(KNOWN_DIFFERENCES[(name, field)])
    assert diff is None, diff


@pytest.mark.parametrize("name", sorted(core_fields_gen.SCENARIOS))
def test_all_fields_together(captures, name):
    """Every field at once (two passes, for tcp.analysis.initial_rtt)."""
    path, theirs, ours = captures[name]
    for field in FIELDS:
        if (name, field) in KNOWN_DIFFERENCES:
            continue
        assert oracle.first_difference(ours[field], theirs[field]) is None, \
            f"{field}: {oracle.first_difference(ours[field], theirs[field])}"


@pytest.mark.parametrize("field", FIELDS)
def test_field_is_exercised(captures, field):
    """Some scenario gives the field a value (else its cases test nothing)."""
    assert any(v for _, theirs, _ in captures.values() for v in theirs[field])
