"""Helpers of the chaos suite: raw HTTP, latency sampling, envelopes, a
held database lock, small file systems."""
import contextlib
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import threading
import time
import urllib.request

from pcapd_integration import ACCOUNT, ROOT

SAMPLE = ROOT / "config" / "sample-traffic.pcap"


def raw_http(base_url, data, timeout=5):
    """Sends raw bytes to the daemon; returns everything it answers before
    closing (or the timeout)."""
    host, port = base_url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        out += b"<timeout>"
    s.close()
    return out


def split_response(raw):
    """(status, lower-cased headers, body) of the first response in `raw`."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return status, headers, body


def check_v4_error(status, body, want_status, want_code):
    """Asserts a jobs-API error envelope."""
    assert status == want_status, body
    env = json.loads(body)
    assert env["success"] is False and env["result"] is None, env
    assert env["errors"][0]["code"] == want_code, env
    assert isinstance(env["errors"][0]["message"], str) and env["errors"][0]["message"]
    return env["errors"][0]["message"]


def check_cs_error(status, body, want_status):
    """Asserts an analysis-API (CloudShark) error."""
    assert status == want_status, body
    env = json.loads(body)
    assert env["status"] == want_status and isinstance(env["exceptions"][0], str), env
    return env["exceptions"][0]


class LatencyProbe(threading.Thread):
    """Times GET .../pcaps in a loop until stopped."""

    def __init__(self, daemon):
        super().__init__(daemon=True)
        self.d = daemon
        self.samples = []
        self.statuses = set()
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            t0 = time.monotonic()
            r = self.d.request("GET", self.d.pcaps("?per_page=5"))
            self.samples.append(time.monotonic() - t0)
            self.statuses.add(r.status)
            time.sleep(0.005)

    def stop(self):
        self.stop_flag.set()
        self.join(30)
        return self

    def p99(self):
        s = sorted(self.samples)
        return s[min(len(s) - 1, int(len(s) * 0.99))]

    def summary(self):
        return (f"{len(self.samples)} GETs, median {statistics.median(self.samples) * 1000:.1f} ms, "
                f"p99 {self.p99() * 1000:.1f} ms, max {max(self.samples) * 1000:.1f} ms")


@contextlib.contextmanager
def db_locked(state_dir, seconds=None):
    """Holds pcapd.db's write lock from another process's connection (as the
    sqlite3 shell or `pcapd token` would) while the block runs."""
    con = sqlite3.connect(str(state_dir / "pcapd.db"), isolation_level=None, timeout=10)
    con.execute("BEGIN EXCLUSIVE")
    try:
        yield con
    finally:
        con.execute("ROLLBACK")
        con.close()


@contextlib.contextmanager
def small_fs(path, size_mb):
    """A tmpfs of `size_mb` MiB mounted at `path` (needs root)."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
                   check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path, leave_bytes=0):
    """Fills the file system of `path` with a file, leaving about
    `leave_bytes` free.  Returns the filler's path."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    remaining = max(0, free - leave_bytes)
    block = b"\0" * (1 << 20)
    try:
        while remaining > 0:
            remaining -= os.write(fd, block[:min(len(block), remaining)])
    except OSError:
        pass  # full
    os.close(fd)
    return filler


def stored_captures(state_dir):
    """Every capture row of the store, read from another connection."""
    con = sqlite3.connect(str(state_dir / "pcapd.db"), timeout=10)
    rows = con.execute("SELECT id, status, error_message, packets_captured FROM captures "
                       "ORDER BY id").fetchall()
    con.close()
    return rows


def files_under(path):
    """Every file below `path`, relative, sorted."""
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def pcaps_url(base_url, suffix=""):
    return f"{base_url}/client/v4/accounts/{ACCOUNT}/pcaps{suffix}"


def get_json(url, token, timeout=10):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())
