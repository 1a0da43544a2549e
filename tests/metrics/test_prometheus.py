"""A real Prometheus server (Debian's) scrapes pcapd with the scrape
configuration the README gives, token and all: promtool accepts the
configuration, the target is up, and the values Prometheus stored are
pcapd's."""
import json
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT, SAMPLE

PORT = f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"


def readme_scrape_config():
    """The README's Prometheus scrape configuration (the YAML block that
    names job pcapd)."""
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    found = [b for b in blocks if "job_name: pcapd" in b]
    assert len(found) == 1, "the README gives one scrape configuration for pcapd"
    return found[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(base, expr):
    """The result of instant query `expr` on Prometheus at `base`."""
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]["result"]


@pytest.fixture
def prometheus(tmp_path):
    """Starts Prometheus with a configuration written by the test; yields
    a function that takes that configuration and returns the server's
    base URL."""
    procs = []

    def start(config):
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(config)
        check = subprocess.run(["promtool", "check", "config", str(cfg)], capture_output=True,
                               text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
        port = free_port()
        log = open(tmp_path / "prometheus.log", "w")
        procs.append(subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT))
        return f"http://127.0.0.1:{port}"

    yield start
    for p in procs:
        p.terminate()
        p.wait(30)


def test_prometheus_scrapes_with_the_readme_config(daemon_factory, prometheus, tmp_path):
    d = daemon_factory([PORT])
    token_file = tmp_path / "pcapd.token"
    token_file.write_text(d.token + "\n")
    config = readme_scrape_config()
    assert "pcapd.example:8080" in config and "/etc/prometheus/pcapd.token" in config
    config = config.replace("pcapd.example:8080", d.base_url.split("//")[1]).replace(
        "/etc/prometheus/pcapd.token", str(token_file))
    # A quicker scrape than the README's, for the test.
    config = re.sub(r"scrape_interval: \S+", "scrape_interval: 1s", config)
    base = prometheus(config)
    deadline = time.monotonic() + 60
    up = []
    while time.monotonic() < deadline:
        try:
            up = query(base, 'up{job="pcapd"}')
        except OSError:
            up = []
        if up and up[0]["value"][1] == "1":
            break
        time.sleep(0.5)
    assert up and up[0]["value"][1] == "1", (tmp_path / "prometheus.log").read_text()
    (info,) = query(base, "pcapd_build_info")
    assert info["metric"]["job"] == "pcapd" and info["metric"]["version"]
    (rx,) = query(base, 'pcapd_port_rx_packets_total{port="net_pcap0"}')
    assert float(rx["value"][1]) > 0
    # The scrapes themselves are counted, under their route.
    deadline = time.monotonic() + 30
    while not query(base, 'pcapd_http_requests_total{route="metrics",code="2xx"} > 0'):
        assert time.monotonic() < deadline
        time.sleep(0.5)
