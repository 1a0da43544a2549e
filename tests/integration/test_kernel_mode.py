"""The daemon on the kernel capture path (capture_path = kernel, and both),
run inside a network namespace with a veth pair to a peer namespace that
sends known traffic (tests/kernel/traffic.py); tshark on what was sent is
the oracle, as for the DPDK path.  Skips, saying why, where the kernel
lacks nftables or NFLOG."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import conftest
import pcapfile
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "kernel"))
import harness  # noqa: E402
import traffic  # noqa: E402


@pytest.fixture
def pair():
    if os.geteuid() != 0:
        pytest.skip("the kernel path needs root (network namespaces, nftables)")
    p = harness.NetPair()
    yield p
    p.close()


def kernel_daemon(daemon_factory, pair, ports=(), path="kernel", **kwargs):
    """A daemon in the capture namespace on `path`; skips where the kernel
    path cannot run."""
    extra = {"capture_path": path, "max_captures": 32}
    extra.update(kwargs.pop("extra", {}))
    try:
        return daemon_factory(list(ports), extra=extra, netns=pair.capture, **kwargs)
    except AssertionError as e:
        if "kernel path:" in str(e):
            pytest.skip(f"the kernel path cannot run here: {e}")
        raise


def our_tables(pair):
    return [t for t in pair.tables() if "pcapd_" in t]


def kill_9(d, pair):
    """Kills daemon `d` with SIGKILL; its tables must be gone at once (the
    kernel removes a table with the socket that owns it)."""
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(10)
    deadline = time.monotonic() + 5
    while our_tables(pair) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert our_tables(pair) == []


def sent_traffic(tmp_path, vlan=None, name="sent.pcap"):
    frames = traffic.build_frames(vlan=vlan)
    path = tmp_path / name
    traffic.write_frames(path, frames)
    return frames, path


# (filter_v1, display filter on what was sent)
API_FILTERS = [
    ({"protocol": 17, "destination_port": 53}, "udp.dstport==53"),
    ({"source_address": "2001:db8:1::/48"}, "ipv6.src==2001:db8:1::/48"),
    ({"source_address": "10.1.0.0/16", "protocol": 6}, "ip.src==10.1.0.0/16 && tcp"),
    ({"destination_address": "10.77.9.9", "source_port": 53},
     "ip.dst==10.77.9.9 && (udp.srcport==53 || tcp.srcport==53 || sctp.srcport==53)"),
]


def test_kernel_mode_captures_match_tshark(daemon_factory, pair, tmp_path):
    """Simple captures on the kernel path: each one's table is listed while
    it runs and gone after; the file holds exactly what tshark selects,
    byte for byte; the counters add up."""
    d = kernel_daemon(daemon_factory, pair)
    assert "EAL" not in d.log(), "kernel mode starts no DPDK"
    sent, sent_pcap = sent_traffic(tmp_path)
    ids = []
    for filter_v1, _ in API_FILTERS:
        r = d.create(time_limit=60, filter_v1=filter_v1)
        assert r.status == 200, r.body
        ids.append(r.json["result"]["id"])
    for i in ids:
        d.wait_status(i, statuses=("running",))
    assert sorted(our_tables(pair)) == sorted(f"table inet pcapd_{i}" for i in ids)
    pair.send(sent_pcap)
    time.sleep(0.3)
    for i in ids:
        assert d.request("PUT", d.pcaps(f"/{i}/stop")).status == 200
    for i, (filter_v1, display_filter) in zip(ids, API_FILTERS):
        done = d.wait_status(i)
        expected = harness.tshark_frames(sent_pcap, display_filter)
        assert done["status"] == "success", done
        assert done["packets_captured"] == len(expected) > 0, (filter_v1, done)
        assert done["packets_dropped"] == 0
        r = d.request("GET", d.pcaps(f"/{i}/download"))
        assert r.status == 200
        out = tmp_path / f"{i}.pcap"
        out.write_bytes(r.body)
        harness.check_file(out, sent, expected)
    assert our_tables(pair) == []


def test_kernel_mode_limits_full_and_sampling(daemon_factory, pair, tmp_path):
    """A packet limit ends the capture with exactly the first packets; a
    full capture keeps whole packets up to its byte limit; simple captures
    sample 1 in sample_rate in the kernel."""
    d = kernel_daemon(daemon_factory, pair, sample_rate=1)
    sent, sent_pcap = sent_traffic(tmp_path)
    lim = d.create(time_limit=60, packet_limit=5, filter_v1={"protocol": 17})
    # (Not all TCP: this test's own API requests cross the loopback.)
    full = d.create_full(time_limit=60, byte_limit=20000,
                         filter_v1={"protocol": 6, "destination_address": "10.77.0.0/16"})
    for r in (lim, full):
        assert r.status == 200, r.body
        d.wait_status(r.json["result"]["id"], statuses=("running",))
    pair.send(sent_pcap)
    done = d.wait_status(lim.json["result"]["id"])
    assert done["status"] == "success" and done["packets_captured"] == 5, done
    out = tmp_path / "lim.pcap"
    out.write_bytes(d.request("GET", d.pcaps(f"/{done['id']}/download")).body)
    expected = harness.tshark_frames(sent_pcap, "ip.proto==17 || ipv6.nxt==17 || "
                                     "ipv6.fraghdr.nxt==17")[:5]
    harness.check_file(out, sent, expected)

    done = d.wait_status(full.json["result"]["id"])
    assert done["status"] == "success", done
    out = tmp_path / "full.pcap"
    out.write_bytes(d.request("GET", d.pcaps(f"/{done['id']}/download")).body)
    assert out.stat().st_size <= 20000
    expected = harness.tshark_frames(sent_pcap, "tcp && ip.dst==10.77.0.0/16")
    expected = expected[:done["packets_captured"]]
    harness.check_file(out, sent, expected, snaplen=65535)
    assert our_tables(pair) == []


def test_kernel_mode_kill_9_and_restart(daemon_factory, pair, tmp_path):
    """kill -9 leaves no table behind; the restarted daemon marks the
    capture interrupted, and what it wrote stays downloadable."""
    d = kernel_daemon(daemon_factory, pair)
    sent, sent_pcap = sent_traffic(tmp_path)
    r = d.create(time_limit=300, filter_v1={"protocol": 17})
    cid = r.json["result"]["id"]
    d.wait_status(cid, statuses=("running",))
    pair.send(sent_pcap)
    time.sleep(0.5)  # the kernel path flushes its buffer within 200 ms
    assert our_tables(pair) == [f"table inet pcapd_{cid}"]
    kill_9(d, pair)

    d2 = kernel_daemon(daemon_factory, pair, token=d.token)
    done = d2.wait_status(cid)
    assert done["status"] == "failed" and done["error_message"].startswith("interrupted"), done
    out = tmp_path / "interrupted.pcap"
    out.write_bytes(d2.request("GET", d2.pcaps(f"/{cid}/download")).body)
    _, recs = harness.read_pcap(out)
    assert len(recs) == done["packets_captured"] > 0
    for _, caplen, _, data in recs:
        assert data == sent[harness.frame_index(data)][:caplen]


def test_kernel_mode_refuses_a_kernel_without_rights(daemon_factory, tmp_path):
    """Without CAP_NET_ADMIN the daemon refuses to start in kernel mode and
    says why."""
    if os.geteuid() != 0:
        pytest.skip("needs root to drop the capability")
    if shutil.which("capsh") is None:
        pytest.skip("capsh (libcap2-bin) is not installed")
    conf = tmp_path / "nocap.conf"
    conftest.write_config(conf, tmp_path / "nocap-state", [], extra={"capture_path": "kernel"})
    p = subprocess.run(["capsh", "--drop=cap_net_admin", "--", "-c",
                        f"{conftest.pcapd_binary()} -c {conf}"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0
    assert "kernel path:" in p.stderr and "CAP_NET_ADMIN" in p.stderr, p.stderr


UDP = "ip.proto==17 || ipv6.nxt==17 || ipv6.fraghdr.nxt==17"


def both_mode_capture(daemon_factory, pair, tmp_path):
    """A daemon on capture_path = both with a net_pcap port fed through a
    FIFO, and a UDP capture that got the port's frames (802.1Q-tagged) and
    the peer's (untagged).  Returns (daemon, capture id, DPDK frames and
    pcap, kernel frames and pcap)."""
    dpdk_frames, dpdk_pcap = sent_traffic(tmp_path, vlan=7, name="dpdk.pcap")
    kernel_frames, kernel_pcap = sent_traffic(tmp_path, name="kernel.pcap")
    fifo = tmp_path / "port0.fifo"
    os.mkfifo(fifo)
    data = dpdk_pcap.read_bytes()
    go = threading.Event()

    def feed():
        with open(fifo, "wb", buffering=0) as f:
            f.write(data[:24])
            if go.wait(120):
                f.write(data[24:])

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    d = kernel_daemon(daemon_factory, pair, ports=[f"net_pcap0,rx_pcap={fifo}"], path="both")
    r = d.create(time_limit=60, filter_v1={"protocol": 17})
    cid = r.json["result"]["id"]
    d.wait_status(cid, statuses=("running",))
    go.set()
    pair.send(kernel_pcap)
    feeder.join(30)
    time.sleep(0.5)
    return d, cid, dpdk_frames, dpdk_pcap, kernel_frames, kernel_pcap


def check_both(records, dpdk_frames, dpdk_pcap, kernel_frames, kernel_pcap, all_dpdk=True):
    """The merged records: in time order, each frame of the kernel path once
    and as sent; the port's frames as sent (all of them if `all_dpdk`)."""
    times = [sec * 10**9 + frac for sec, frac, _, _, _ in records]
    assert times == sorted(times), "one file, in time order"
    tagged = [rec[4] for rec in records if rec[4][12:14] == b"\x81\x00"]
    plain = [rec[4] for rec in records if rec[4][12:14] != b"\x81\x00"]
    want_dpdk = harness.tshark_frames(dpdk_pcap, UDP)
    got_dpdk = sorted(harness.frame_index(f) for f in tagged)
    assert got_dpdk == want_dpdk if all_dpdk else set(got_dpdk) <= set(want_dpdk)
    assert sorted(harness.frame_index(f) for f in plain) == harness.tshark_frames(kernel_pcap, UDP)
    for f in plain:
        assert f == kernel_frames[harness.frame_index(f)][:len(f)]
    for f in tagged:
        assert f == dpdk_frames[harness.frame_index(f)][:len(f)]


def test_both_mode_merges_dpdk_and_kernel_in_time_order(daemon_factory, pair, tmp_path):
    """capture_path = both: a net_pcap port (fed through a FIFO) and the
    kernel path serve one capture; its file holds the packets of both, each
    once, in time order."""
    d, cid, *sent = both_mode_capture(daemon_factory, pair, tmp_path)
    assert d.request("PUT", d.pcaps(f"/{cid}/stop")).status == 200
    done = d.wait_status(cid)
    assert done["status"] == "success", done
    pcap = pcapfile.PcapFile(d.request("GET", d.pcaps(f"/{cid}/download")).body)
    assert pcap.nanosecond and pcap.linktype == 1
    want = len(harness.tshark_frames(sent[1], UDP)) + len(harness.tshark_frames(sent[3], UDP))
    assert done["packets_captured"] == len(pcap.records) == want
    check_both(pcap.records, *sent)
    assert our_tables(pair) == []


def test_both_mode_kill_9_keeps_both_halves(daemon_factory, pair, tmp_path):
    """kill -9 in both mode: no table is left, and the restart merges what
    the kernel half wrote into the interrupted capture's file."""
    d, cid, *sent = both_mode_capture(daemon_factory, pair, tmp_path)
    kill_9(d, pair)
    d2 = kernel_daemon(daemon_factory, pair, ports=["net_null0"], path="both", token=d.token)
    done = d2.wait_status(cid)
    assert done["status"] == "failed" and done["error_message"].startswith("interrupted"), done
    pcap = pcapfile.PcapFile(d2.request("GET", d2.pcaps(f"/{cid}/download")).body)
    assert done["packets_captured"] == len(pcap.records)
    # The DPDK writer may still have held some of its records in memory.
    check_both(pcap.records, *sent, all_dpdk=False)
    assert not list((d2.state_dir / "pcaps").glob("*.kernel.pcap.part"))


@pytest.mark.parametrize("settings, message", [
    ({"capture_path": "ebpf"}, "capture_path: 'ebpf' is not dpdk, kernel or both"),
    ({"capture_path": "kernel", "kernel_hooks": "ingress"},
     "kernel_hooks: ingress needs at least one kernel_ingress"),
    ({"capture_path": "kernel", "kernel_ingress": "eth9"},
     "kernel_ingress: given without ingress in kernel_hooks"),
    ({"capture_path": "kernel", "kernel_hooks": "prerouting,forward"},
     "kernel_hooks: 'prerouting,forward' is not a comma-separated list of prerouting, output"),
    ({"capture_path": "kernel", "kernel_priority": "-5000"},
     "kernel_priority: '-5000' is not an integer from -1000 to 1000"),
    ({"capture_path": "kernel", "kernel_nflog_group": "65530"},
     "kernel_nflog_group: 32 NFLOG groups"),
    ({}, "no port: give at least one `port = DEVARGS`, or capture_path = kernel"),
])
def test_capture_path_settings_are_checked(tmp_path, settings, message):
    """Bad capture path settings stop the daemon at start with a message
    naming the setting and its rule."""
    conf = tmp_path / "bad.conf"
    conftest.write_config(conf, tmp_path / "bad-state", [],
                          extra={"max_captures": 32, **settings})
    p = subprocess.run([conftest.pcapd_binary(), "-c", str(conf)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr, p.stderr


def test_kernel_mode_metrics(daemon_factory, pair, tmp_path):
    """/metrics on the kernel path: the kernel path's counters (what it
    received, wrote and lost) agree with the capture, no DPDK family is
    shown, and the text passes promtool; telemetry is off (no EAL)."""
    from prometheus_client.parser import text_string_to_metric_families
    d = kernel_daemon(daemon_factory, pair, extra={"metrics": "open"})
    sent, sent_pcap = sent_traffic(tmp_path)
    cid = d.create(time_limit=60, filter_v1={"protocol": 17}).json["result"]["id"]
    d.wait_status(cid, statuses=("running",))
    pair.send(sent_pcap)
    time.sleep(0.5)  # the kernel path flushes its buffer within 200 ms
    assert d.request("PUT", d.pcaps(f"/{cid}/stop")).status == 200
    done = d.wait_status(cid)
    assert done["status"] == "success" and done["packets_captured"] > 0, done
    text = d.request("GET", "/metrics", token=None).body.decode()
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)
    assert lint.returncode == 0 and lint.stdout + lint.stderr == "", lint.stdout + lint.stderr
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples[("pcapd_kernel_written_packets_total", ())] == done["packets_captured"]
    assert samples[("pcapd_kernel_packets_total", ())] >= done["packets_captured"]
    assert samples[("pcapd_kernel_rule_transactions_total", ())] >= 2
    assert samples[("pcapd_kernel_jobs", ())] == 0
    assert samples[("pcapd_dropped_packets_total", (("stage", "kernel_lost"),))] == 0
    assert samples[("pcapd_captures", (("status", "success"), ("type", "simple")))] == 1
    assert not any(name.startswith(("pcapd_port_", "pcapd_rx_lcore", "pcapd_writer_"))
                   for name, _ in samples)
    assert "event=telemetry_off" in d.log()
