"""Oracle test of the analysis engine: for every capture in shared/pcaps
and shared/pcaps-wide,
pcap-analyze and tshark 4.0 (-n) must give the same status (capinfos),
protocol hierarchy (-qz io,phs), endpoints (-qz endpoints,X) and
conversations (sharkd's conv: taps, which give exact times), field by
field.  tshark's answers are computed here, at test time; nothing is
hard-coded.

KNOWN_DIFFERENCES names the few (file, analysis) pairs where the engine
deliberately differs, each with its reason (docs/ANALYSIS.md explains
them).  Those cases are strict: if they start to match, the test fails
until the entry is removed."""
import functools
import json
import subprocess

import pytest

import oracle

TOOL, PCAPS = oracle.TOOL, oracle.PCAPS
# Every shared capture, by name, the wider set (routing, tunnels, PPP...)
# as "wide/NAME", and the repository's own sample traffic (802.1Q, IPv6,
# out-of-order timestamps), by its path in the tree.
PATHS = oracle.capture_paths()
CAPTURES = sorted(PATHS)

# (file, analysis) -> reason.  Keep it short: the goal is equality.
KNOWN_DIFFERENCES = {
    ("cs-tcp_dupack.pcapng", "hierarchy"):
        "capture starts in the middle of an HTTP response; tshark names one of three "
        "continuation segments (frame 6) http and the other two nothing, by a heuristic of "
        "its HTTP reassembly we do not reproduce: we name none",
}


@functools.lru_cache(maxsize=None)
def ours(name):
    """Returns pcap-analyze's complete results for a capture, normalised."""
    out = subprocess.run([TOOL, "all", PATHS[name]], capture_output=True, text=True,
                         check=True).stdout
    return oracle.actual(json.loads(out)["data"])


@functools.lru_cache(maxsize=None)
def theirs(name):
    """Returns tshark's, capinfos' and sharkd's answers for a capture, normalised."""
    return oracle.expected(PATHS[name])


def test_captures_present():
    """The shared captures must be there, or every other test is vacuous."""
    assert len([p for p in PATHS if not p.startswith("wide/")]) >= 30, PCAPS
    assert len([p for p in PATHS if p.startswith("wide/")]) >= 40, oracle.PCAPS_WIDE


@pytest.mark.parametrize("analysis", oracle.ANALYSES)
@pytest.mark.parametrize("name", CAPTURES)
def test_equals_tshark(name, analysis):
    """One analysis of one capture equals tshark's, field by field."""
    got, want = ours(name)[analysis], theirs(name)[analysis]
    reason = KNOWN_DIFFERENCES.get((name, analysis))
    if reason is not None:
        assert got != want, f"{name} {analysis} now equals tshark: drop it from KNOWN_DIFFERENCES"
        pytest.xfail(reason)
    assert got == want


def test_known_differences_name_real_cases():
    """Every allow-list entry names a shared capture and an analysis that exist."""
    for name, analysis in KNOWN_DIFFERENCES:
        assert name in CAPTURES and analysis in oracle.ANALYSES
