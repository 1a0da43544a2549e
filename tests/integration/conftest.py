"""Fixtures that start the real pcapd daemon and talk to it over HTTP.

Each daemon gets its own state directory, configuration file and EAL file
prefix; it listens on a free loopback port that it reports on stdout.
Before it starts, a write token of ACCOUNT is created with `pcapd token
create`, and every request sends it unless told otherwise.  The simple
capture rate window is 0 unless a test sets it.
"""
import ctypes
import json
import os
import pathlib
import queue
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PCAPS = pathlib.Path(os.environ.get("PCAPD_PCAPS_DIR", ROOT.parent / "shared" / "pcaps"))
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
# A second account, for isolation tests.
OTHER_ACCOUNT = "0123456789abcdef0123456789abcdef"
# Sentinel: send the daemon's default token.
DEFAULT_TOKEN = object()


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


def token_cli(conf, *args, check=True):
    """Runs `pcapd token ARGS -c CONF`; returns the completed process."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "abort_on_error=0")
    p = subprocess.run([pcapd_binary(), "token", *args, "-c", str(conf)], capture_output=True,
                       text=True, env=env, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def create_token(conf, account=ACCOUNT, permission="write", email=None):
    """Creates a token with the command line; returns it."""
    args = ["create", "--account", account, "--permission", permission]
    if email:
        args += ["--email", email]
    token = token_cli(conf, *args).stdout.strip()
    assert len(token) == 40, token
    return token


class NetnsThread:
    """Runs calls on a thread of its own inside network namespace `ns`
    (setns() moves the calling thread only), so this process reaches a
    daemon listening on the namespace's loopback."""

    def __init__(self, ns):
        self.calls = queue.Queue()
        self.ready = queue.Queue()
        threading.Thread(target=self._run, args=(ns,), daemon=True).start()
        error = self.ready.get()
        if error:
            raise OSError(error)

    def _run(self, ns):
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        rc = libc.setns(fd, 0x40000000)  # CLONE_NEWNET
        os.close(fd)
        self.ready.put(None if rc == 0 else f"setns {ns}: errno {ctypes.get_errno()}")
        while True:
            fn, args, kwargs, box = self.calls.get()
            try:
                box.put((True, fn(*args, **kwargs)))
            except BaseException as e:  # handed to the caller
                box.put((False, e))

    def call(self, fn, *args, **kwargs):
        box = queue.Queue()
        self.calls.put((fn, args, kwargs, box))
        ok, value = box.get()
        if not ok:
            raise value
        return value


class Daemon:
    """A running pcapd process and a small HTTP client for its API (inside
    network namespace `netns` when the daemon runs in one)."""

    def __init__(self, proc, base_url, state_dir, log_path, conf, token, netns=None):
        self.proc = proc
        self.base_url = base_url
        self.state_dir = state_dir
        self.log_path = log_path
        self.conf = conf
        self.token = token
        self.netns = NetnsThread(netns) if netns else None

    def create_token(self, account=ACCOUNT, permission="write", email=None):
        """Creates another token for this daemon's state directory."""
        return create_token(self.conf, account, permission, email)

    def request(self, *args, **kwargs):
        """Sends a request; `body` is JSON-encoded, `raw` sent as is.  It
        carries `Authorization: Bearer TOKEN` (the daemon's own token unless
        `token` says otherwise; None sends no Authorization header)."""
        if self.netns is not None:
            return self.netns.call(self._request, *args, **kwargs)
        return self._request(*args, **kwargs)

    def _request(self, method, path, body=None, raw=None, headers=None, token=DEFAULT_TOKEN):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        token = self.token if token is DEFAULT_TOKEN else token
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
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

    def create_full(self, **fields):
        """Creates a full capture at this appliance's site; returns the
        response."""
        body = {"type": "full", "system": "magic-transit", "time_limit": 5, "colo_name": "local"}
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
    """Writes a pcapd configuration file (no simple rate window unless
    `extra` sets one)."""
    lines = [
        "listen = 127.0.0.1:0",
        f"state_dir = {state_dir}",
        f"account = {ACCOUNT}",
        f"account = {OTHER_ACCOUNT}",
        f"sample_rate = {sample_rate}",
        "memory_mb = 512",
        "mbufs = 8191",
        "hugepages = off",
    ]
    if "simple_rate_window" not in (extra or {}):
        lines.append("simple_rate_window = 0")
    lines += [f"port = {p}" for p in ports]
    lines += [f"{k} = {v}" for k, v in (extra or {}).items()]
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def start_daemon(tmp_path, ports, sample_rate=1, extra=None, name="pcapd", token=None,
                 netns=None):
    """Starts pcapd (inside network namespace `netns` if given) and waits
    until it reports its API address.  Unless `token` is given (a restart),
    a new write token of ACCOUNT is made."""
    state_dir = tmp_path / f"{name}-state"
    conf = tmp_path / f"{name}.conf"
    log_path = tmp_path / f"{name}.log"
    write_config(conf, state_dir, ports, sample_rate, extra)
    if token is None:
        token = create_token(conf)
    env = dict(os.environ)
    # DPDK's own allocations are not ours to leak-check; our code is still
    # checked by ASan (memory errors) and UBSan in this process.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
    log = open(log_path, "w")
    prefix = ["ip", "netns", "exec", netns] if netns else []
    proc = subprocess.Popen([*prefix, pcapd_binary(), "-c", str(conf)], stdout=subprocess.PIPE,
                            stderr=log, env=env, text=True)
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise AssertionError("pcapd did not start:\n" + log_path.read_text())
    return Daemon(proc, line.split()[-1], state_dir, log_path, conf, token, netns)


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
