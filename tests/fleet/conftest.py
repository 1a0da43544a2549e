"""Fixtures of the fleet tests (docs/FLEET.md): a throwaway PostgreSQL
server (Debian's postgresql, initdb into a temporary directory, run as the
unprivileged user `nobody` since the server refuses root, reachable only
through a Unix socket, so every network namespace reaches it), a fresh
database per test, and appliances: real pcapd daemons on the kernel
capture path, each in a network namespace of its own with a peer that
sends it known traffic (tests/kernel/harness.py)."""
import importlib.util
import os
import pathlib
import socket
import sys
import threading

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from pcapd_fixtures import ACCOUNT, ROOT, daemon_factory, start_daemon, wait_for  # noqa: E402,F401
from pcapd_fixtures import pcapd_daemon  # noqa: E402

# For tests/integration/test_openapi.py's Checker, which the fleet's
# answers are checked with: it imports these from `conftest`.
OTHER_ACCOUNT = pcapd_daemon.OTHER_ACCOUNT
sys.path.insert(0, str(ROOT / "tests" / "integration"))

sys.path.insert(0, str(ROOT / "tests" / "kernel"))
import harness  # noqa: E402
import traffic  # noqa: E402
from pgserver import PG_BIN, Postgres  # noqa: E402


# The bucket tests' S3-compatible server (s3rver behind a Signature V4
# check), loaded under its own name: that file is a `conftest` too.
_spec = importlib.util.spec_from_file_location(
    "bucket_fixtures", pathlib.Path(__file__).resolve().parents[1] / "bucket" / "conftest.py")
bucket_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bucket_fixtures)


class HostPort:
    """Makes 127.0.0.1:PORT inside the network namespace of daemon `d`
    reach 127.0.0.1:PORT of this host (the S3 server's): the listening
    socket is made on the daemon's namespace thread, each upstream socket
    on a thread of this host's namespace (a socket belongs to the
    namespace of the thread that made it), and bytes are pumped between
    them."""

    def __init__(self, d, port):
        self.port = port
        self.listener = d.netns.call(self._listen, port)
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _listen(port):
        s = socket.socket()
        s.bind(("127.0.0.1", port))
        s.listen(16)
        return s

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _accept(self):
        while True:
            try:
                down, _ = self.listener.accept()
                up = socket.create_connection(("127.0.0.1", self.port))
            except OSError:
                return
            for a, b in ((down, up), (up, down)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def close(self):
        self.listener.close()


@pytest.fixture
def s3server(tmp_path):
    """The S3-compatible server, and reach(app) making it reachable from
    an appliance's namespace at the same address."""
    bucket_fixtures.node_ready()
    server = bucket_fixtures.S3Server(tmp_path / "s3")
    forwards = []
    server.reach = lambda app: forwards.append(HostPort(app.d, server.port))
    yield server
    for f in forwards:
        f.close()
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    if os.geteuid() != 0:
        pytest.skip("the fleet tests need root (network namespaces, nftables, setpriv)")
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL server at {PG_BIN} (Debian's postgresql package)")
    pg = Postgres()
    yield pg
    pg.close()


class Appliance:
    """A daemon of the fleet, its namespaces and the traffic it is sent."""

    def __init__(self, daemon, pair, name, frames, sent):
        self.d, self.pair, self.name = daemon, pair, name
        self.frames, self.sent = frames, sent

    def send(self, rate=0):
        self.pair.send(self.sent, rate)


def appliance_frames(k):
    """The kernel tests' frames, each naming itself as 1000*k + its index,
    so every captured frame tells which appliance's traffic it was."""
    frames = []
    for f in traffic.build_frames():
        at = f.find(b"KPTS")
        i = int.from_bytes(f[at + 4:at + 8], "big")
        frames.append(f[:at + 4] + (1000 * k + i).to_bytes(4, "big") + f[at + 8:])
    return frames


@pytest.fixture
def fleet(postgres, daemon_factory, tmp_path):
    """Starts appliances on a fresh database: fleet(3) -> [Appliance]."""
    pairs = []
    db = postgres.new_db()

    def start(n, first=1, names=None, **extra):
        out = []
        for k in range(first, first + n):
            pair = harness.NetPair()
            pairs.append(pair)
            name = f"fleet{os.getpid() % 10000}a{k}"
            settings = {"capture_path": "kernel", "max_captures": 16, "store": postgres.dsn(db),
                        "appliance_name": name, "site": f"site{k}", "history_sample_rate": 0}
            settings.update(extra)
            try:
                d = daemon_factory([], extra=settings, netns=pair.capture, name=name)
            except AssertionError as e:
                if "kernel path:" in str(e):
                    pytest.skip(f"the kernel path cannot run here: {e}")
                raise
            frames = appliance_frames(k)
            sent = tmp_path / f"{name}-sent.pcap"
            traffic.write_frames(sent, frames)
            out.append(Appliance(d, pair, name, frames, sent))
        return out

    start.db = db
    yield start
    for p in pairs:
        p.close()


def wait_token(app, token, timeout=20):
    """Waits until the token sync has copied `token` to appliance `app`
    (its log says so): polling with a token the appliance does not know
    yet would trip its throttle of failed authentications."""
    line = f"event=fleet_token_copied token={token[:16]} "
    wait_for(f"token {token[:16]} on {app.name}", lambda: line in app.d.log(), timeout)


def wait_fleet(apps, timeout=20):
    """Waits until every appliance is healthy in the fleet and the first
    one's token works on every appliance (the token sync)."""
    token = apps[0].d.token
    for a in apps[1:]:
        wait_token(a, token, timeout)

    def ready():
        for a in apps:
            r = a.d.request("GET", a.d.pcaps("/appliances"), token=token)
            if r.status != 200:
                return False
            healthy = {x["name"] for x in r.json["result"] if x["health"] == "healthy"}
            if not {b.name for b in apps} <= healthy:
                return False
        return True

    wait_for("the fleet to be up", ready, timeout)
