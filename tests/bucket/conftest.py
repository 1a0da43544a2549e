"""Fixtures of the bucket tests: a real S3-compatible server (s3rver, from
tests/bucket/node_modules, installed by tools/install-deps.sh --test) on
loopback, and the real daemon delivering full captures to it.

The server is s3server.mjs: s3rver behind a Signature V4 check (s3rver 3.x
checks only the access key id).  Its one account is S3RVER / S3RVER."""
import json
import pathlib
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from pcapd_fixtures import *  # noqa: E402,F401,F403
from pcapd_fixtures import ACCOUNT, ROOT, SAMPLE, pcapd_daemon  # noqa: E402

OTHER_ACCOUNT = pcapd_daemon.OTHER_ACCOUNT

HERE = pathlib.Path(__file__).resolve().parent
BUCKET = "pcaps-bucket"
# A second bucket the tests delete, for NoSuchBucket during a delivery.
DOOMED_BUCKET = "doomed-bucket"


def node_ready():
    if shutil.which("node") is None or not (HERE / "node_modules" / "s3rver").is_dir():
        pytest.skip("node or tests/bucket/node_modules missing: run tools/install-deps.sh --test")


class S3Server:
    """s3server.mjs on a loopback port, storing objects under `directory`;
    stop() and start() keep the port and the objects."""

    def __init__(self, directory, port=0, tls=None, damage=0):
        """`tls`: (certificate, key) PEM files to serve HTTPS with;
        `damage`: so many capture bodies arrive with a byte changed."""
        self.directory = directory
        self.port = port
        self.tls = tls
        self.damage = damage
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["node", str(HERE / "s3server.mjs"), "--port", str(self.port), "--dir",
             str(self.directory), "--bucket", BUCKET, "--bucket", DOOMED_BUCKET,
             *(["--tls", str(self.tls[0]), str(self.tls[1])] if self.tls else []),
             "--damage", str(self.damage)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening"):
            self.proc.kill()
            raise AssertionError("s3server did not start: " + line + self.proc.stdout.read())
        self.port = int(line.split()[1])

    def stop(self, sig=signal.SIGTERM):
        """Stops the server: SIGTERM waits for requests under way, SIGKILL
        cuts them."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def endpoint(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def destination(self, bucket=BUCKET, prefix="captures", creds=None):
        """A destination_conf naming this server (credentials from the
        daemon's bucket_credentials unless `creds` gives (id, secret))."""
        conf = f"s3://{bucket}/{prefix}?region=us-east-1&endpoint={self.endpoint}"
        if creds:
            conf += f"&access-key-id={creds[0]}&secret-access-key={creds[1]}"
        return conf

    def get(self, key, bucket=BUCKET):
        """The bytes of object `key`, or None (s3rver serves anonymous
        reads)."""
        try:
            ctx = ssl.create_default_context(cafile=str(self.tls[0])) if self.tls else None
            with urllib.request.urlopen(f"{self.endpoint}/{bucket}/{key}", timeout=30,
                                        context=ctx) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def s3(self, method, path, data=None):
        """A request signed by curl (as S3RVER); returns (status, body)."""
        cmd = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "--aws-sigv4",
               "aws:amz:us-east-1:s3", "--user", "S3RVER:S3RVER", "-H",
               "x-amz-content-sha256: UNSIGNED-PAYLOAD", f"{self.endpoint}{path}"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
        body, _, status = out.rpartition("\n")
        return int(status), body


@pytest.fixture
def s3server(tmp_path):
    node_ready()
    server = S3Server(tmp_path / "s3")
    yield server
    server.stop()


def delivery_config(server, **extra):
    """The daemon settings of a delivery to `server`."""
    cfg = {"bucket_credentials": f"s3://{BUCKET} S3RVER S3RVER",
           "delivery_part_mb": 8, "delivery_retry_seconds": 60}
    cfg.update(extra)
    return cfg


def replay_port():
    return f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"


@pytest.fixture
def bucket_daemon(daemon_factory, s3server):
    """Starts daemons on the replayed sample delivering to `s3server`
    (extra settings as keywords); daemon_factory stops them and checks
    their exit."""

    def factory(name="pcapd", token=None, **extra):
        return daemon_factory([replay_port()], extra=delivery_config(s3server, **extra),
                              name=name, token=token)

    return factory


def ownership(d, suffix=""):
    return d.pcaps(f"/ownership{suffix}")


def validate_bucket(d, server, conf):
    """Creates the challenge of `conf`, reads its token from the bucket and
    validates it; returns the validated ownership object."""
    r = d.request("POST", ownership(d), {"destination_conf": conf})
    assert r.status == 200, r.body
    o = r.json["result"]
    token = server.get(f"captures/{o['filename']}")
    assert token is not None, "the challenge file is in the bucket"
    r = d.request("POST", ownership(d, "/validate"),
                  {"destination_conf": conf, "ownership_challenge": token.decode()})
    assert r.status == 200 and r.json["result"]["status"] == "success", r.body
    return r.json["result"]


def wait_delivery(d, cid, timeout=120):
    """Polls capture `cid` until it ends; returns it and the statuses seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
        if not seen or seen[-1] != c["status"]:
            seen.append(c["status"])
        if c["status"] in ("success", "failed"):
            return c, seen
        time.sleep(0.05)
    raise AssertionError(f"capture {cid} did not end: {seen}")


def wait_status(d, cid, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
        if c["status"] == status:
            return c
        assert c["status"] not in ("success", "failed"), c
        time.sleep(0.02)
    raise AssertionError(f"capture {cid} never {status}")


__all__ = ["ACCOUNT", "OTHER_ACCOUNT", "ROOT", "HERE", "BUCKET", "DOOMED_BUCKET", "S3Server",
           "delivery_config", "replay_port", "ownership", "validate_bucket", "wait_delivery",
           "wait_status", "json"]
