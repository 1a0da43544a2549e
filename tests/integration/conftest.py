"""Fixtures that start the real pcapd daemon and talk to it over HTTP.

Each daemon gets its own state directory, configuration file and EAL file
prefix; it listens on a free loopback port that it reports on stdout.
"""
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PCAPS = pathlib.Path(os.environ.get("PCAPD_PCAPS_DIR", ROOT.parent / "shared" / "pcaps"))
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"


def pcapd_binary():
    """Path of the pcapd binary under test (PCAPD_BIN, else the build dir)."""
    path = os.environ.get("PCAPD_BIN")
    if not path:
        pytest.skip("PCAPD_BIN is not set; run the tests through meson")
    return path


class Response:
    """An HTTP answer: status, headers and body (parsed when JSON)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.json = None
        if headers.get("content-type", "").startswith("application/json"):
            self.json = json.loads(body)


class Daemon:
    """A running pcapd process and a small HTTP client for its API."""

    def __init__(self, proc, base_url, state_dir, log_path):
        self.proc = proc
        self.base_url = base_url
        self.state_dir = state_dir
        self.log_path = log_path

    def request(self, method, path, body=None, raw=None, headers=None):
        """Sends a request; `body` is JSON-encoded, `raw` sent as is."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def pcaps(self, suffix="", account=ACCOUNT):
        """Path of the pcaps collection of `account`, plus `suffix`."""
        return f"/client/v4/accounts/{account}/pcaps{suffix}"

    def create(self, **fields):
        """Creates a simple capture; returns the response."""
        body = {"type": "simple", "system": "magic-transit", "time_limit": 5, "packet_limit": 10000}
        body.update(fields)
        return self.request("POST", self.pcaps(), body)

    def wait_status(self, capture_id, statuses=("success", "failed"), timeout=60):
        """Polls a capture until its status is one of `statuses`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.request("GET", self.pcaps(f"/{capture_id}"))
            assert r.status == 200, r.body
            if r.json["result"]["status"] in statuses:
                return r.json["result"]
            time.sleep(0.1)
        raise AssertionError(f"capture {capture_id} did not reach {statuses} in {timeout}s")

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Stops the daemon; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("pcapd did not stop in time:\n" + self.log())


def write_config(path, state_dir, ports, sample_rate=1, extra=None):
    """Writes a pcapd configuration file."""
    lines = [
        "listen = 127.0.0.1:0",
        f"state_dir = {state_dir}",
        f"account = {ACCOUNT}",
        f"sample_rate = {sample_rate}",
        "memory_mb = 512",
        "mbufs = 8191",
        "hugepages = off",
    ]
    lines += [f"port = {p}" for p in ports]
    lines += [f"{k} = {v}" for k, v in (extra or {}).items()]
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def start_daemon(tmp_path, ports, sample_rate=1, extra=None, name="pcapd"):
    """Starts pcapd and waits until it reports its API address."""
    state_dir = tmp_path / f"{name}-state"
    conf = tmp_path / f"{name}.conf"
    log_path = tmp_path / f"{name}.log"
    write_config(conf, state_dir, ports, sample_rate, extra)
    env = dict(os.environ)
    # DPDK's own allocations are not ours to leak-check; our code is still
    # checked by ASan (memory errors) and UBSan in this process.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
    log = open(log_path, "w")
    proc = subprocess.Popen([pcapd_binary(), "-c", str(conf)], stdout=subprocess.PIPE,
                            stderr=log, env=env, text=True)
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise AssertionError("pcapd did not start:\n" + log_path.read_text())
    return Daemon(proc, line.split()[-1], state_dir, log_path)


@pytest.fixture
def daemon_factory(tmp_path):
    """Starts daemons on demand; stops them and checks their exit at the end."""
    daemons = []

    def factory(*args, **kwargs):
        d = start_daemon(tmp_path, *args, **kwargs)
        daemons.append(d)
        return d

    yield factory
    for d in daemons:
        if d.alive():
            rc = d.stop()
            log = d.log()
            assert rc == 0, f"pcapd exited with {rc}:\n{log}"
            assert "runtime error" not in log and "AddressSanitizer" not in log, log


@pytest.fixture
def replay_daemon(daemon_factory):
    """A daemon on the embedded default traffic (net_pcap, infinite replay)."""
    sample = ROOT / "config" / "sample-traffic.pcap"
    return daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"])
