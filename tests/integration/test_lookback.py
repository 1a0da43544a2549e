"""Look-back captures (offset_time) answered from the history.

The daemon is fed the replay of lookback_replay.py (IPv4 and IPv6 TCP,
802.1Q, ICMP, IPv6 fragments, UDP, with pauses between the parts).
Look-back captures with each filter_v1 field, and windows that cut the
replay at either end, must hold exactly the packets tshark selects from
the record of the replay for the same filter and time window, byte for
byte, the most recent ones when there are more than packet_limit.  Also:
the errors of bad offset_time values, the note of a window partly before
the history, GET .../pcaps/history, eviction by size and by age, and a
restart with a torn last segment."""
import json
import pathlib
import signal
import subprocess
import time

import pcapfile
from conftest import ROOT
from lookback_replay import (PARTS, check_lookback, lookback, ns_time, record_ns, start_replay,
                             tshark_addr, tshark_frames, tshark_port, tshark_proto)

# (filter_v1, equivalent tshark display filter): each filter_v1 field,
# alone and together.
FILTERS = [
    ({}, ""),
    ({"protocol": 6}, tshark_proto(6)),
    ({"protocol": 17}, tshark_proto(17)),
    ({"protocol": 1}, tshark_proto(1)),
    ({"source_address": "2001:db8::/32"}, tshark_addr("src", "2001:db8::/32")),
    ({"destination_address": "192.168.100.138"}, tshark_addr("dst", "192.168.100.138")),
    ({"source_port": 80}, tshark_port("src", 80)),
    ({"destination_port": 80, "protocol": 6}, f"{tshark_port('dst', 80)} && {tshark_proto(6)}"),
    ({"source_address": "192.168.0.0/16", "destination_port": 53},
     f"{tshark_addr('src', '192.168.0.0/16')} && {tshark_port('dst', 53)}"),
]


def test_lookback_matches_tshark(daemon_factory, tmp_path):
    """Every filter_v1 field, over the whole replay and over windows that
    cut it at the end and at the start; packet_limit keeps the most recent
    packets."""
    rp = start_replay(daemon_factory, tmp_path)
    times = sorted({record_ns(r) for r in rp.records})
    first, last = times[0], times[-1]
    assert last - first > 4 * 10**9, "the parts must spread over seconds"
    # A window ending in the middle, and one starting there (2 s before a
    # time near the end).
    mid = times[len(times) // 2]
    late = next(t for t in times if t >= last - int(1.5 * 10**9))
    windows = [(last, 300), (mid, 300), (late, 2)]
    for offset, limit in windows:
        for filter_v1, display_filter in FILTERS:
            n = check_lookback(rp, offset, limit, filter_v1, display_filter)
            assert n > 0 or offset != last, f"{filter_v1} selects nothing in the replay"
    # The windows do cut: each holds fewer packets than the whole replay.
    whole = check_lookback(rp, last, 300, {}, "")
    assert whole == len(rp.records)
    assert check_lookback(rp, mid, 300, {}, "") < whole
    assert check_lookback(rp, late, 2, {}, "") < len([t for t in rp.records
                                                        if record_ns(t) <= late])
    # The most recent ones, in time order.
    assert check_lookback(rp, last, 300, {"protocol": 6}, tshark_proto(6), packet_limit=7) == 7
    assert check_lookback(rp, last, 300, {}, "", packet_limit=1) == 1


def test_history_endpoint_and_bad_offset_time(daemon_factory, tmp_path):
    """GET .../pcaps/history tells what is held; each bad offset_time gets
    its 400 naming the field; a window partly before the history gets what
    exists and a note."""
    rp = start_replay(daemon_factory, tmp_path, parts=PARTS[:2])
    d = rp.d
    h = d.request("GET", d.pcaps("/history"))
    assert h.status == 200, h.body
    info = h.json["result"]
    first = min(record_ns(r) for r in rp.records)
    last = max(record_ns(r) for r in rp.records)
    assert info["enabled"] is True and info["sample_rate"] == 1
    assert info["oldest"] == ns_time(first) and info["newest"] == ns_time(last)
    assert info["packets"] == len(rp.records) and info["bytes"] > 0
    # A read token may look.
    read = d.create_token(permission="read")
    assert d.request("GET", d.pcaps("/history"), token=read).status == 200
    assert d.request("GET", d.pcaps("/history"), token=None).status == 401

    now = time.time_ns()
    cases = [
        (now + 3600 * 10**9, 1005, "must not be in the future"),
        (now - 25 * 3600 * 10**9, 1005, "within the last 24 hours"),
        (first - 10 * 10**9, 1005, "before the oldest packet"),
    ]
    for offset, code, words in cases:
        r, _ = lookback(d, offset, 5, expect=400)
        err = r.json["errors"][0]
        assert err["code"] == code and err["message"].startswith("offset_time: "), err
        assert words in err["message"] and "history holds packets from" in err["message"], err
    for value, code in [("yesterday", 1006), ("2024-13-01T00:00:00Z", 1006), (12345, 1004),
                        ("2024-01-01 00:00:00", 1006)]:
        r = d.create(time_limit=5, packet_limit=10, offset_time=value)
        assert r.status == 400 and r.json["errors"][0]["code"] == code, r.body
        assert r.json["errors"][0]["message"].startswith("offset_time: "), r.body
    r = d.create_full(offset_time=ns_time(last))
    assert r.status == 400 and r.json["errors"][0]["code"] == 1007, r.body
    assert "offset_time" in r.json["errors"][0]["message"]

    # Partly before the oldest packet: what exists, and a message.
    r, done = lookback(d, first + 10**8, 5)
    assert r.json["messages"][0]["code"] == 2000, r.body
    assert "before the oldest packet" in r.json["messages"][0]["message"], r.body
    assert done["status"] == "success"
    assert done["packets_captured"] == len([x for x in rp.records
                                            if record_ns(x) <= first + 10**8])
    # Stored: offset_time is echoed after a restart too.
    d.stop()
    d2 = daemon_factory(["net_null0"], sample_rate=1, name="pcapd", token=d.token,
                        extra={"history_sample_rate": 0})
    again = d2.request("GET", d2.pcaps(f"/{done['id']}")).json["result"]
    assert again["offset_time"] == ns_time(first + 10**8)
    # History off: refused, and the endpoint says so.
    r, _ = lookback(d2, last, 5, expect=400)
    assert r.json["errors"][0]["code"] == 1009, r.body
    assert "history_sample_rate = 0" in r.json["errors"][0]["message"]
    info = d2.request("GET", d2.pcaps("/history")).json["result"]
    assert info["enabled"] is False and info["oldest"] is None


def test_lookback_with_curl_as_the_sdk_sends_it(daemon_factory, tmp_path):
    """The request Cloudflare's SDK makes for pcaps.create with offset_time
    (its JSON body, Bearer token), sent with curl: the capture succeeds with
    the right packets."""
    rp = start_replay(daemon_factory, tmp_path, parts=PARTS[:1])
    last = max(record_ns(r) for r in rp.records)
    body = json.dumps({"packet_limit": 100, "system": "magic-transit", "time_limit": 60,
                       "type": "simple", "filter_v1": {"protocol": 6},
                       "offset_time": ns_time(last)})
    out = subprocess.run(["curl", "-sS", "-X", "POST", "-H", f"Authorization: Bearer {rp.d.token}",
                          "-H", "Content-Type: application/json", "--data-binary", body,
                          rp.d.base_url + rp.d.pcaps()], check=True, capture_output=True,
                         text=True).stdout
    created = json.loads(out)
    assert created["success"] is True, out
    done = rp.d.wait_status(created["result"]["id"])
    frames = tshark_frames(rp.ref_path, tshark_proto(6), last - 60 * 10**9, last)
    assert done["status"] == "success" and done["packets_captured"] == len(frames) > 0, done


def history_info(d):
    return d.request("GET", d.pcaps("/history")).json["result"]


def test_history_eviction_by_size_and_age(daemon_factory, tmp_path):
    """The sample traffic replayed forever: the history stays within
    history_max_mb, and holds no packet older than history_seconds."""
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"], extra={
        "history_sample_rate": 500, "history_max_mb": 8, "history_seconds": 3,
        "history_segment_seconds": 60})
    deadline = time.monotonic() + 60
    while history_info(d)["segments_evicted"] < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    for _ in range(10):
        info = history_info(d)
        # Segments of 1 MiB (history_max_mb / 16, at least 1 MiB); the one
        # written and a few closed ones may wait to be sealed before the
        # oldest go.
        assert info["bytes"] <= (8 << 20) + 4 * (1 << 20), info
        assert info["packets"] > 0 and info["segments_evicted"] >= 4, info
        time.sleep(0.2)
    d.stop()
    # By age: nothing newer comes; after history_seconds all of it goes.
    d2 = start_replay(daemon_factory, tmp_path, parts=[], name="pcapd", token=d.token,
                      extra={"history_sample_rate": 50, "history_seconds": 3}).d
    deadline = time.monotonic() + 15
    while history_info(d2)["packets"] > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    info = history_info(d2)
    assert info["packets"] == 0 and info["oldest"] is None, info


def test_restart_with_torn_last_segment(daemon_factory, tmp_path):
    """kill -9 leaves the last segment unsealed; cut in its last record as a
    crash would leave it, it is cut at its last whole record at the next
    start and serves every other packet."""
    rp = start_replay(daemon_factory, tmp_path, parts=PARTS[:3], name="torn")
    d = rp.d
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(60)
    hist = pathlib.Path(d.state_dir) / "history"
    segs = sorted(hist.glob("dp-*.pcap"))
    last = segs[-1]
    assert not last.with_suffix(".idx").exists(), "the open segment had no index"
    data = last.read_bytes()
    recs = pcapfile.PcapFile(data).records
    cut = len(data) - 16 - recs[-1][2] + 10  # inside the last record's header
    last.write_bytes(data[:cut] + bytes(4096))

    d2 = start_replay(daemon_factory, tmp_path, parts=[], name="torn", token=d.token).d
    assert "event=history_opened" in d2.log() and "repaired=1" in d2.log(), d2.log()
    assert last.with_suffix(".idx").exists()
    r, done = lookback(d2, max(record_ns(x) for x in rp.records), 300)
    got = pcapfile.PcapFile(d2.request("GET", d2.pcaps(f"/{done['id']}/download")).body)
    assert got.records == rp.records[:-1]
