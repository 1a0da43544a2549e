"""Fixtures and helpers of the metrics tests: the real daemon (the
integration suite's fixtures, through tests/pcapd_fixtures.py), scrapes
parsed with the Prometheus client library's parser and linted with
promtool, and a client of DPDK's telemetry socket."""
import json
import os
import pathlib
import re
import socket
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "integration"))
from pcapd_fixtures import ACCOUNT, ROOT, SAMPLE, daemon_factory, pcapd_daemon, start_daemon  # noqa: E402,F401
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

PCAPS = pcapd_daemon.PCAPS
OTHER_ACCOUNT = pcapd_daemon.OTHER_ACCOUNT
DEFAULT_TOKEN = pcapd_daemon.DEFAULT_TOKEN


class Scrape:
    """One /metrics answer: its text, and its samples by name and labels."""

    def __init__(self, text):
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples = {}
        for f in self.families.values():
            for s in f.samples:
                self.samples[(s.name, frozenset(s.labels.items()))] = s.value

    def get(self, name, **labels):
        """The value of sample `name` with exactly `labels`."""
        return self.samples[(name, frozenset(labels.items()))]

    def find(self, name, **labels):
        """Every (labels, value) of sample `name` whose labels include `labels`."""
        return [(dict(k[1]), v) for k, v in self.samples.items()
                if k[0] == name and set(labels.items()) <= k[1]]

    def total(self, name, **labels):
        """The sum of sample `name` over the series that match `labels`."""
        return sum(v for _, v in self.find(name, **labels))


def promtool_check(text):
    """Runs `promtool check metrics` on `text`: it must parse and pass the
    linter (names, units, _total, HELP) without a word."""
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "" and p.stderr.strip() == "", \
        p.stdout + p.stderr


def scrape(d, token=None, check=True):
    """GETs /metrics of daemon `d` (with `token`, or none); returns the
    Scrape after checking it with promtool (unless `check` is false)."""
    r = d.request("GET", "/metrics", token=token)
    assert r.status == 200, r.body
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = r.body.decode()
    if check:
        promtool_check(text)
    return Scrape(text)


def telemetry_socket(d):
    """The path of daemon `d`'s telemetry socket, as its log says."""
    m = re.search(r"event=telemetry socket=(\S+)", d.log())
    assert m, d.log()
    return m.group(1)


def telemetry(d, *commands):
    """Sends `commands` on daemon `d`'s telemetry socket (the v2 protocol:
    a JSON greeting, then one JSON answer per command); returns the
    answers' values."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(10)
        s.connect(telemetry_socket(d))
        hello = json.loads(s.recv(16384))
        assert hello["pid"] == d.proc.pid, hello
        answers = []
        for cmd in commands:
            s.send(cmd.encode())
            answers.append(json.loads(s.recv(65536))[cmd.split(",")[0]])
        return answers


def dpdk_telemetry_py(d, *commands):
    """Runs Debian's dpdk-telemetry.py on daemon `d`'s file prefix with
    `commands` on its input; returns the answers' values."""
    sock = pathlib.Path(telemetry_socket(d))
    env = dict(os.environ, RUNTIME_DIRECTORY=str(sock.parent.parent.parent))
    p = subprocess.run(["dpdk-telemetry.py", "-f", sock.parent.name],
                       input="\n".join(commands) + "\n", capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    decoder, out, answers, i = json.JSONDecoder(), p.stdout, [], 0
    while len(answers) < len(commands):
        i = out.index("{", i)
        value, i = decoder.raw_decode(out, i)
        answers.append(value[commands[len(answers)].split(",")[0]])
    return answers
