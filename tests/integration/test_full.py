"""Full captures: every matching packet, whole, at this appliance's site,
bounded by time, packets and bytes; stored locally and downloadable."""
import re

import pytest

import pcapfile
from conftest import ROOT
from test_capture import tshark_frames

SAMPLE = ROOT / "config" / "sample-traffic.pcap"


@pytest.fixture(scope="module")
def sample_packets():
    """Every packet of the replayed sample, as bytes."""
    return {rec[4] for rec in pcapfile.read(SAMPLE).records}


def download(d, cid):
    r = d.request("GET", d.pcaps(f"/{cid}/download"))
    assert r.status == 200, r.body
    assert r.headers["content-type"] == "application/vnd.tcpdump.pcap"
    assert int(r.headers["content-length"]) == len(r.body)
    return r.body


def test_full_capture_keeps_whole_packets(replay_daemon, sample_packets, tmp_path):
    d = replay_daemon
    r = d.create_full(time_limit=30, packet_limit=200, filter_v1={"protocol": 6})
    assert r.status == 200, r.body
    created = r.json["result"]
    assert created["type"] == "full" and created["colo_name"] == "local"
    assert created["packet_limit"] == 200 and created["time_limit"] == 30
    for absent in ("byte_limit", "destination_conf", "packets_remaining", "error_message"):
        assert absent not in created
    done = d.wait_status(created["id"])
    assert done["status"] == "success" and done["packets_captured"] == 200
    body = download(d, created["id"])
    pcap = pcapfile.PcapFile(body)
    assert pcap.nanosecond and pcap.linktype == 1 and len(pcap.records) == 200
    for sec, frac, caplen, wirelen, data in pcap.records:
        assert caplen == wirelen, "full captures keep whole packets"
        assert data in sample_packets, "each record is a packet of the source, byte for byte"
    assert max(rec[2] for rec in pcap.records) > 160, "longer than a simple capture's heads"
    out = tmp_path / "full.pcap"
    out.write_bytes(body)
    assert tshark_frames(out, "tcp") == list(range(1, 201)), "tshark reads 200 TCP packets"


def test_full_capture_byte_limit(replay_daemon):
    d = replay_daemon
    r = d.create_full(time_limit=30, byte_limit=3000)
    assert r.status == 200, r.body
    assert r.json["result"]["byte_limit"] == 3000 and "packet_limit" not in r.json["result"]
    done = d.wait_status(r.json["result"]["id"])
    assert done["status"] == "success", done
    body = download(d, done["id"])
    records = pcapfile.PcapFile(body).records
    assert len(body) <= 3000, "the file, headers included, stays within byte_limit"
    assert len(body) > 3000 - 16 - 1518, "and ends only when the next packet would not fit"
    assert done["packets_captured"] == len(records) > 0


def test_full_capture_colo_alias_and_stop(replay_daemon):
    d = replay_daemon
    r = d.request("POST", d.pcaps(), {
        "type": "full", "system": "magic-transit", "time_limit": 600, "colo": "local",
        "filter_v1": {"source_address": "2001:db8::/32", "destination_port": 443.0}})
    assert r.status == 200, r.body
    c = r.json["result"]
    assert c["colo_name"] == "local"
    assert c["filter_v1"] == {"source_address": "2001:db8::/32", "destination_port": 443}
    assert "stop_requested" not in c, "absent until a stop is requested"
    stopped = d.request("PUT", d.pcaps(f"/{c['id']}/stop"))
    when = stopped.json["result"]["stop_requested"]
    assert stopped.status == 200 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when)
    assert d.request("PUT", d.pcaps(f"/{c['id']}/stop")).json["result"]["stop_requested"] == when
    done = d.wait_status(c["id"], timeout=20)
    assert done["status"] == "success" and done["stop_requested"] == when
    pcapfile.PcapFile(download(d, c["id"]))
