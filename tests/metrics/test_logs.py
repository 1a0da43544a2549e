"""The event log: one key=value line per event, to stderr or to syslog
(`log_target`), DPDK's own lines included.  A capture's start and end are
logged; packets the capture path loses are logged per stage,
rate-limited, with counts that add up to the metrics'."""
import os
import re
import socket
import subprocess
import threading
import time

from conftest import SAMPLE, pcapd_daemon, scrape, start_daemon

PORT = f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"
# A log line: time, level, event, then key=value fields (quoted values
# with their quotes and backslashes escaped).
LINE = re.compile(r'^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(error|warn|info|debug)'
                  r' event=[a-z_]+( [a-z_]+=("([^"\\]|\\.)*"|[^ "]+))*$')


def fields(line):
    """The key=value fields of a log line."""
    return {m.group(1): m.group(2).strip('"') for m in
            re.finditer(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ "]+)', line)}


def events(d, name):
    return [fields(l) for l in d.log().splitlines() if f" event={name} " in l + " "]


def test_capture_start_and_end_are_logged(daemon_factory):
    d = daemon_factory([PORT])
    cid = d.create(time_limit=1, packet_limit=10).json["result"]["id"]
    done = d.wait_status(cid)
    (start,) = [e for e in events(d, "capture_start") if e["id"] == cid]
    assert start["type"] == "simple" and start["packet_limit"] == "10"
    (end,) = [e for e in events(d, "capture_end") if e["id"] == cid]
    assert end["status"] == "success" and int(end["packets"]) == done["packets_captured"]
    assert int(end["bytes"]) == len(d.request("GET", d.pcaps(f"/{cid}/download")).body)
    # Every line is an event, DPDK's own (EAL, drivers) included.
    lines = d.log().splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    assert any(" event=dpdk msg=" in line for line in lines), lines


def test_drops_are_logged_rate_limited_and_add_up(daemon_factory):
    """Rings of 64 records and a writer writing every packet of a port
    replaying at full speed: records are lost at the ring, every second's
    loss is logged (at most 3 lines at once, then 6 a minute), and the
    totals the lines carry are the metrics'."""
    d = daemon_factory([PORT], extra={"metrics": "open", "ring_size": 64})
    cid = d.create_full(time_limit=6, filter_v1={}).json["result"]["id"]
    done = d.wait_status(cid, timeout=60)
    s = scrape(d)
    lost = s.get("pcapd_dropped_packets_total", stage="writer_backlog") + \
        s.get("pcapd_dropped_packets_total", stage="ring_full")
    assert done["packets_dropped"] > 0 and lost >= done["packets_dropped"], done
    time.sleep(1.5)
    lines = events(d, "packets_dropped")
    assert 1 <= len(lines) <= 4, lines
    by_stage = {}
    for e in lines:
        assert int(e["count"]) > 0 and int(e["total"]) >= int(e["count"])
        by_stage[e["stage"]] = int(e["total"])
    final = scrape(d)
    for stage, total in by_stage.items():
        assert total <= final.get("pcapd_dropped_packets_total", stage=stage)


# Runs a command with /dev replaced by the folder $1 (where the test's
# /dev/log socket is) holding the devices pcapd needs, in a mount
# namespace of its own: the host's /dev is not touched.
PRIVATE_DEV = """set -e
dev=$1; shift
for n in null zero full random urandom; do touch "$dev/$n"; mount --bind "/dev/$n" "$dev/$n"; done
mkdir -p "$dev/shm"; mount --bind /dev/shm "$dev/shm"
mount --rbind "$dev" /dev
exec "$@"
"""


def test_syslog_target(tmp_path):
    """With log_target = syslog the lines go to /dev/log (a socket the
    test listens on) as syslog messages of facility daemon, tagged pcapd,
    without the time stamp stderr lines carry."""
    dev = tmp_path / "dev"
    dev.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(dev / "log"))
    server.settimeout(0.5)
    got, stop = [], threading.Event()

    def receive():
        while not stop.is_set():
            try:
                got.append(server.recv(65536).decode(errors="replace"))
            except socket.timeout:
                continue

    threading.Thread(target=receive, daemon=True).start()
    conf = tmp_path / "pcapd.conf"
    pcapd_daemon.write_config(conf, tmp_path / "state", [PORT], extra={"log_target": "syslog"})
    token = pcapd_daemon.create_token(conf)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
    stderr = tmp_path / "stderr.log"
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", PRIVATE_DEV,
                             "sh", str(dev), pcapd_daemon.pcapd_binary(), "-c", str(conf)],
                            stdout=subprocess.PIPE, stderr=open(stderr, "w"), env=env, text=True)
    line = proc.stdout.readline()
    assert "listening on" in line, stderr.read_text()
    d = pcapd_daemon.Daemon(proc, line.split()[-1], tmp_path / "state", stderr, conf, token)
    cid = d.create(time_limit=1, packet_limit=10).json["result"]["id"]
    d.wait_status(cid)
    assert d.stop() == 0, stderr.read_text()
    time.sleep(1)
    stop.set()
    ours = [m for m in got if "pcapd[" in m]
    # <30>: facility daemon (3 * 8), level info (6).
    started = [m for m in ours if "level=info event=started " in m]
    assert started and started[0].startswith("<30>"), got
    assert any(f"event=capture_end id={cid} status=success" in m for m in ours), ours
    assert not any(" ts=" in m for m in ours)
    # Nothing on stderr: DPDK's lines went to syslog too.
    assert any("event=dpdk msg=" in m for m in ours), ours
    assert stderr.read_text() == ""
