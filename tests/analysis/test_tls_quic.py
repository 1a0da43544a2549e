"""TLS and QUIC fields on synthetic captures, against tshark.

tls_quic_gen builds captures the shared ones lack: ClientHellos split over
TCP segments, records and QUIC CRYPTO frames (out of order, across
datagrams, coalesced), ChangeCipherSpec and encrypted-record rules, odd
server names, TLS on other ports, QUIC v2, draft-29, Retry and Version
Negotiation.  For each, tls.handshake.type, the server names and
quic.version must print, frame by frame, what `tshark -n -2 -T fields -E
occurrence=a` prints, and the frames with "tls" must be tshark's.

KNOWN_DIFFERENCES names the (scenario, field) pairs where we differ on
purpose, with the reason; an entry that starts to match fails."""
import os

import pytest

import oracle
import tls_quic_gen

TOOL = oracle.TOOL
FIELDS = ["tls.handshake.type", "tls.handshake.extensions_server_name", "quic.version"]

# (scenario, field) -> reason.
KNOWN_DIFFERENCES = {
    ("quic_unknown_versions", "quic.version"):
        "QUIC is found on UDP port 443 (as for the summaries); tshark 4.0 finds it with a "
        "heuristic that refuses these versions, so it prints no quic.version",
}


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Writes every scenario's capture once; returns name -> path."""
    tmp = tmp_path_factory.mktemp("tls_quic")
    paths = {}
    for name, build in tls_quic_gen.SCENARIOS.items():
        paths[name] = str(tmp / (name + ".pcap"))
        tls_quic_gen.write_pcap(paths[name], build())
    return paths


def _column(lines, i):
    """Returns the i-th tab-separated column of lines."""
    return [line.split("\t")[i] if len(line.split("\t")) > i else None for line in lines]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", sorted(tls_quic_gen.SCENARIOS))
def test_field_equals_tshark(captures, name, field):
    """One field of one scenario, frame by frame."""
    args = [a for f in FIELDS for a in ("-e", f)]
    theirs = oracle.lines(["tshark", "-n", "-2", "-r", captures[name], "-T", "fields",
                     "-E", "occurrence=a", *args])
    ours = oracle.lines([TOOL, "fields", *args, captures[name]])
    i = FIELDS.index(field)
    same = _column(ours, i) == _column(theirs, i)
    reason = KNOWN_DIFFERENCES.get((name, field))
    if reason:
        assert not same, "known difference no longer differs: " + reason
        return
    assert same, "\n".join("frame %d: ours %r, tshark %r" % (n + 1, o, t) for n, (o, t) in
                           enumerate(zip(_column(ours, i), _column(theirs, i))) if o != t)


@pytest.mark.parametrize("expr", ["tls", "tls.handshake.type == 1",
                                  'tls.handshake.extensions_server_name contains "example"',
                                  "quic.version == 1"])
@pytest.mark.parametrize("name", sorted(n for n in tls_quic_gen.SCENARIOS
                                        if n != "quic_unknown_versions"))
def test_filter_equals_tshark(captures, name, expr):
    """The frames a display filter on TLS/QUIC selects."""
    theirs = oracle.lines(["tshark", "-n", "-2", "-r", captures[name], "-Y", expr, "-T", "fields",
                     "-e", "frame.number"])
    ours = oracle.lines([TOOL, "fields", "-Y", expr, "-e", "frame.number", captures[name]])
    assert ours == theirs


def test_scenarios_exercise_the_fields(captures):
    """The captures are not vacuous: tshark finds server names, handshake
    types and QUIC versions in them (so equality above means something)."""
    found = set()
    for path in captures.values():
        for line in oracle.lines(["tshark", "-n", "-2", "-r", path, "-T", "fields",
                            *[a for f in FIELDS for a in ("-e", f)]]):
            found.update(f for f, v in zip(FIELDS, line.split("\t")) if v)
    assert found == set(FIELDS)
    assert os.path.exists(TOOL) or TOOL == "pcap-analyze"
