"""Truncated, corrupt and non-capture files get a clear error and an exit
status of 1 from pcap-analyze, never a crash, a sanitizer report or a hang;
and memory stays flat as a capture grows (the pass streams)."""
import os
import random
import subprocess
import sys

import pytest

import capture_gen
from oracle import PCAPS, TOOL

SAMPLES = ["cs-http_google.pcapng", "tcpdump-geneve.pcap", "zeek-ipv6-fragmented-dns.pcap",
           "cs-ip_frag_source.pcapng", "tcpdump-tcp-handshake-nano.pcap"]


def analyze(path, cmd="all"):
    """Runs pcap-analyze on a file with a time limit and returns the result."""
    return subprocess.run([TOOL, cmd, path], capture_output=True, text=True, timeout=60)


def assert_clean(res):
    """Asserts that a run ended by itself, with 0 or a one-line error and 1."""
    assert res.returncode in (0, 1), res.stderr
    assert "Sanitizer" not in res.stderr and "runtime error" not in res.stderr, res.stderr
    if res.returncode == 1:
        assert res.stderr.startswith("pcap-analyze: ") and res.stdout == ""


@pytest.mark.parametrize("name", SAMPLES)
def test_truncated_files_fail_clearly(tmp_path, name):
    """Every cut of a capture either reads cleanly (at a record boundary) or
    reports a truncated file; a cut inside the first record always fails."""
    data = open(os.path.join(PCAPS, name), "rb").read()
    cuts = sorted(set(list(range(0, 64, 7)) + list(range(64, len(data), max(1, len(data) // 40)))))
    failures = 0
    for cut in cuts:
        p = tmp_path / "cut"
        p.write_bytes(data[:cut])
        res = analyze(str(p))
        assert_clean(res)
        if res.returncode == 1:
            failures += 1
            assert any(w in res.stderr for w in ("truncated", "not a capture", "corrupt")), \
                res.stderr
    assert failures > len(cuts) // 2


def test_not_a_capture(tmp_path):
    """Text and empty files are not captures."""
    for content in (b"", b"hello, this is not a capture file at all\n"):
        p = tmp_path / "x"
        p.write_bytes(content)
        res = analyze(str(p))
        assert res.returncode == 1 and "not a capture file" in res.stderr


def test_missing_file():
    """A missing file is named in the error."""
    res = analyze("/nonexistent/file.pcap")
    assert res.returncode == 1 and "/nonexistent/file.pcap" in res.stderr


@pytest.mark.parametrize("name", SAMPLES)
def test_corrupted_files_never_crash(tmp_path, name):
    """Random byte corruption (fixed seed) never crashes the reader or the dissectors."""
    data = bytearray(open(os.path.join(PCAPS, name), "rb").read())
    rng = random.Random(name)
    for _ in range(30):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        p = tmp_path / "mut"
        p.write_bytes(bytes(mutated))
        assert_clean(analyze(str(p)))


def test_usage_errors():
    """A bad command or protocol is a usage error (2)."""
    path = os.path.join(PCAPS, SAMPLES[0])
    assert subprocess.run([TOOL, "bogus", path], capture_output=True).returncode == 2
    res = subprocess.run([TOOL, "endpoints", path, "--protocol", "sctp"], capture_output=True)
    assert res.returncode == 2


def max_rss_kb(path):
    """Returns the peak resident memory of one pcap-analyze run, in KiB (measured
    by a fresh interpreter, so that no earlier child's peak hides it)."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    # A small ASan quarantine, so that freed memory is not mistaken for growth.
    env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=1:" + os.environ.get("ASAN_OPTIONS", ""))
    out = subprocess.run([sys.executable, "-c", probe, TOOL, "status", path],
                         capture_output=True, text=True, check=True, env=env).stdout
    return int(out)


def test_memory_does_not_grow_with_the_file(tmp_path):
    """The same traffic repeated 100 times (same hosts and flows, 68 MB) needs
    no more memory than once, give or take 16 MiB: the pass streams."""
    _, frames = capture_gen.read_pcap(os.path.join(PCAPS, "cs-http_espn.pcapng"), str(tmp_path))
    span = frames[-1][0] - frames[0][0] + 1
    big = [(ts + i * span, wl, d) for i in range(100) for ts, wl, d in frames]
    small_p, big_p = str(tmp_path / "small.pcap"), str(tmp_path / "big.pcap")
    capture_gen.write_pcap(small_p, 1, frames)
    capture_gen.write_pcap(big_p, 1, big)
    assert os.path.getsize(big_p) > 60 * 1000 * 1000
    small = max_rss_kb(small_p)
    large = max_rss_kb(big_p)
    assert large - small < 16 * 1024, (small, large)
