"""The dashboard against the real daemon in headless Chromium
(dashboard.mjs, playwright-core), on a net_pcap port fed the sample
traffic slowly through a FIFO, so a capture is seen running with a
growing count before it ends.  Then the file the browser downloaded is
checked against the API's own download and count; and the static-file
route itself: types, security headers, redirects, refusals."""
import json
import os
import pathlib
import shutil
import struct
import subprocess
import threading
import time

import pytest

from conftest import ACCOUNT, ROOT, SAMPLE

HERE = pathlib.Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"


class PacedFeeder(threading.Thread):
    """Writes the sample capture into a FIFO that net_pcap reads, in a loop,
    about `rate` packets a second, until stopped."""

    def __init__(self, fifo, data, rate=40):
        super().__init__(daemon=True)
        self.fifo, self.data, self.rate = fifo, data, rate
        self.done = threading.Event()

    def records(self):
        off, out = 24, []
        while off + 16 <= len(self.data):
            incl = struct.unpack_from("<I", self.data, off + 8)[0]
            out.append(self.data[off:off + 16 + incl])
            off += 16 + incl
        return out

    def run(self):
        records = self.records()
        with open(self.fifo, "wb", buffering=0) as f:
            f.write(self.data[:24])
            while not self.done.is_set():
                for rec in records:
                    if self.done.wait(1 / self.rate):
                        return
                    f.write(rec)


def artefacts_dir():
    path = pathlib.Path(os.environ.get("UI_ARTEFACTS", HERE / "artefacts"))
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def capinfos_count(path):
    out = subprocess.run(["capinfos", "-M", "-c", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip().splitlines()[-1].split()[-1])


@pytest.fixture
def fed_daemon(daemon_factory, tmp_path):
    fifo = tmp_path / "port0.fifo"
    os.mkfifo(fifo)
    feeder = PacedFeeder(fifo, SAMPLE.read_bytes())
    feeder.start()
    d = daemon_factory([f"net_pcap0,rx_pcap={fifo}"])
    yield d
    feeder.done.set()


def test_dashboard_in_chromium(fed_daemon):
    d = fed_daemon
    assert (HERE / "node_modules" / "playwright-core").is_dir(), \
        "playwright-core is missing: run tools/install-deps.sh --test"
    assert os.access(CHROMIUM, os.X_OK), "chromium is missing: run tools/install-deps.sh --test"
    out = artefacts_dir()
    env = dict(os.environ, PCAPD_URL=d.base_url, PCAPD_TOKEN=d.token, PCAPD_ACCOUNT=ACCOUNT,
               UPLOAD_FILE=str(SAMPLE), UI_ARTEFACTS=str(out))
    p = subprocess.run(["node", str(HERE / "dashboard.mjs")], capture_output=True, text=True,
                       env=env, timeout=300, cwd=HERE)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}\nscreenshots in {out}"
    result = json.loads(p.stdout.strip().splitlines()[-1])

    # The file the browser saved is the capture's, byte for byte.
    cid = result["capture"]
    api = d.request("GET", d.pcaps(f"/{cid}/download"))
    assert api.status == 200
    saved = pathlib.Path(result["download"]).read_bytes()
    assert saved == api.body
    capture = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
    assert capture["status"] == "success" and capture["packets_captured"] > 0
    assert capinfos_count(result["download"]) == capture["packets_captured"]
    stopped = d.request("GET", d.pcaps(f"/{result['stopped']}")).json["result"]
    assert stopped["stop_requested"] is True and stopped["status"] == "success"

    shots = sorted(out.glob("*.png"))
    assert len(shots) == result["screenshots"] >= 12
    for png in shots:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000, png


def test_static_files(daemon_factory):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"])
    r = d.request("GET", "/ui/", token=None)
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    assert r.body == (ROOT / "ui" / "index.html").read_bytes()
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    for name, mime in [("js/app.js", "application/javascript"), ("style.css", "text/css"),
                       ("favicon.svg", "image/svg+xml")]:
        r = d.request("GET", f"/ui/{name}", token=None)
        assert r.status == 200 and r.headers["content-type"].startswith(mime), name
        assert r.body == (ROOT / "ui" / name).read_bytes()
    r = d.request("HEAD", "/ui/index.html", token=None)
    assert r.status == 200 and r.body == b""
    assert int(r.headers["content-length"]) == (ROOT / "ui" / "index.html").stat().st_size
    # /ui is redirected to /ui/ (urllib follows it).
    r = d.request("GET", "/ui", token=None)
    assert r.status == 200 and r.body == (ROOT / "ui" / "index.html").read_bytes()
    for path in ["/ui/missing.js", "/ui/.git/config", "/ui/js", "/ui/%2e%2e/README.md",
                 "/ui/js/../../README.md", "/ui/a%00b"]:
        r = d.request("GET", path, token=None)
        assert r.status == 404 and r.json["errors"][0]["code"] == 1100, (path, r.body)
    r = d.request("POST", "/ui/index.html", raw=b"x", token=None)
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"
    assert d.request("GET", "/", token=None).status == 404, "/ is still the API's"


def test_dashboard_off_and_bad_folder(daemon_factory, tmp_path):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"], extra={"ui_dir": "off"})
    r = d.request("GET", "/ui/", token=None)
    assert r.status == 404 and "ui_dir = off" in r.json["errors"][0]["message"]
    conf = tmp_path / "bad.conf"
    conf.write_text(d.conf.read_text() + f"ui_dir = {tmp_path}/nothing\n")
    p = subprocess.run([os.environ["PCAPD_BIN"], "-c", str(conf)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and f"ui_dir: {tmp_path}/nothing holds no index.html" in p.stderr
