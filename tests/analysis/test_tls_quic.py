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

import pytest

import oracle
import tls_quic_gen

TOOL = oracle.TOOL
FIELDS = [f for f in oracle.registered_fields() if f.startswith(("tls.", "quic.", "x509"))]

# (scenario, field) -> reason.
KNOWN_DIFFERENCES = {
    ("quic_unknown_versions", "quic.*"):
        "QUIC is found on UDP port 443 (as for the summaries); tshark 4.0 finds it with a "
        "heuristic that refuses these versions, so it prints none of their quic.* fields",
    ("tcp_message_types", "tls.handshake.version"):
        "an empty HelloRetryRequest (type 6, from TLS 1.3 drafts): tshark reads a version and a "
        "cipher suite from the messages after it; we do not decode draft HelloRetryRequests",
    ("tcp_message_types", "tls.handshake.ciphersuite"):
        "the same empty HelloRetryRequest (see tls.handshake.version)",
}


def _known(name, field):
    """The reason for a known difference of a field in a scenario ("proto.*"
    entries cover a protocol's fields that the scenario gives values), or None."""
    reason = KNOWN_DIFFERENCES.get((name, field))
    return reason or KNOWN_DIFFERENCES.get((name, field.split(".")[0] + ".*"))


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Writes every scenario's capture once and runs tshark on it once for
    every field; returns name -> (path, tshark's columns by field, ours with every field asked)."""
    tmp = tmp_path_factory.mktemp("tls_quic")
    out = {}
    for name, build in tls_quic_gen.SCENARIOS.items():
        path = str(tmp / (name + ".pcap"))
        tls_quic_gen.write_pcap(path, build())
        out[name] = (path, oracle.columns(oracle.tshark_fields(path, FIELDS), FIELDS),
                     oracle.columns(oracle.ours_fields(path, FIELDS), FIELDS))
    return out


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", sorted(tls_quic_gen.SCENARIOS))
def test_field_equals_tshark(captures, name, field):
    """One field of one scenario, asked alone, frame by frame."""
    path, theirs, together = captures[name]
    if not any(theirs[field]) and not any(together[field]):
        return  # Never present here, asked with all the others: nothing to compare.
    ours = oracle.columns(oracle.ours_fields(path, [field]), [field])[field]
    same = ours == theirs[field]
    if (name, field) in KNOWN_DIFFERENCES:
        assert not same, "known difference no longer differs: " + KNOWN_DIFFERENCES[(name, field)]
        pytest.xfail(KNOWN_DIFFERENCES[(name, field)])
    if not same and _known(name, field):
        pytest.xfail(_known(name, field))
    assert same, "\n".join("frame %d: ours %r, tshark %r" % (n + 1, o, t) for n, (o, t) in
                           enumerate(zip(ours, theirs[field])) if o != t)


@pytest.mark.parametrize("name", sorted(tls_quic_gen.SCENARIOS))
def test_all_fields_together(captures, name):
    """Every field at once, frame by frame."""
    path, theirs, ours = captures[name]
    bad = [f for f in FIELDS if ours[f] != theirs[f] and not _known(name, f)]
    assert not bad, bad


@pytest.mark.parametrize("expr", ["tls", "tls.handshake.type == 1",
                                  'tls.handshake.extensions_server_name contains "example"',
                                  "quic.version == 1", 'tls.handshake.extensions_alpn_str == "h2"',
                                  "tls.handshake.ciphersuite == 0xc02f || tls.handshake.ja3"])
@pytest.mark.parametrize("name", sorted(n for n in tls_quic_gen.SCENARIOS
                                        if n != "quic_unknown_versions"))
def test_filter_equals_tshark(captures, name, expr):
    """The frames a display filter on TLS/QUIC selects."""
    path = captures[name][0]
    theirs = oracle.lines(["tshark", "-n", "-2", "-r", path, "-Y", expr, "-T", "fields",
                           "-e", "frame.number"])
    ours = oracle.lines([TOOL, "fields", "-Y", expr, "-e", "frame.number", path])
    assert ours == theirs


@pytest.mark.parametrize("field", FIELDS)
def test_field_is_exercised(captures, field):
    """Some scenario gives the field a value (else its cases test nothing)."""
    assert any(v for _, theirs, _ in captures.values() for v in theirs[field])
