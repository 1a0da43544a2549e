"""A daemon killed with SIGKILL in the middle of a capture loses nothing:
at the next start the capture is failed with an error_message saying it was
interrupted, and the packets it had written stay downloadable as a valid
pcap file (a record the kill cut in half is dropped)."""
import os
import signal
import struct
import time

import pcapfile
from conftest import PCAPS, ROOT
from test_capture import FifoFeeder, to_classic_pcap, tshark_frames


def read_tolerant(path):
    """Records of a pcap file that may end in a partial record."""
    data = path.read_bytes()
    for end in range(len(data), 23, -1):
        try:
            return pcapfile.PcapFile(data[:end]).records
        except ValueError:
            continue
    return []


def test_kill_9_mid_capture_then_restart(daemon_factory, tmp_path):
    src = tmp_path / "source.pcap"
    data = to_classic_pcap(PCAPS / "cs-http_espn.pcapng", src)
    expected = tshark_frames(src, "tcp.srcport==80")
    assert len(expected) > 10
    source_records = pcapfile.PcapFile(data).records
    fifo = tmp_path / "port0.fifo"
    os.mkfifo(fifo)
    feeder = FifoFeeder(fifo, data)
    feeder.start()
    d = daemon_factory([f"net_pcap0,rx_pcap={fifo}"], name="victim")
    r = d.create_full(time_limit=600, filter_v1={"protocol": 6, "source_port": 80})
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    simple = d.create(time_limit=300, packet_limit=10, filter_v1={"protocol": 250}).json["result"]
    d.wait_status(cid, statuses=("running",))
    feeder.go.set()
    part = d.state_dir / "pcaps" / f"{cid}.pcap.part"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        live = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
        if live["packets_captured"] == len(expected) and part.exists() and \
                len(read_tolerant(part)) == len(expected):
            break
        time.sleep(0.1)
    assert live["status"] == "running" and live["packets_captured"] == len(expected)

    d.proc.send_signal(signal.SIGKILL)
    # A killed process may wait in the kernel for its I/O on a busy disk.
    d.proc.wait(60)
    # As if the kill had cut a write short: half a record at the end.
    whole = part.stat().st_size
    with open(part, "ab") as f:
        f.write(struct.pack("<IIII", 1, 2, 1000, 1000) + b"x" * 100)

    sample = ROOT / "config" / "sample-traffic.pcap"
    d2 = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"], name="victim",
                        token=d.token)
    assert "interrupted" in d2.log()
    got = d2.request("GET", d2.pcaps(f"/{cid}")).json["result"]
    assert got["status"] == "failed" and "interrupted" in got["error_message"], got
    assert got["packets_captured"] == len(expected)
    assert not part.exists(), "the partial file got its final name"
    body = d2.request("GET", d2.pcaps(f"/{cid}/download"))
    assert body.status == 200 and len(body.body) == whole
    records = pcapfile.PcapFile(body.body).records
    assert len(records) == len(expected)
    for rec, frame in zip(records, expected):
        assert rec[4] == source_records[frame - 1][4], f"bytes of source frame {frame}"
    # The capture that had written nothing is failed too, with an empty file.
    other = d2.request("GET", d2.pcaps(f"/{simple['id']}")).json["result"]
    assert other["status"] == "failed" and "interrupted" in other["error_message"]
    assert other["packets_captured"] == 0
    empty = d2.request("GET", d2.pcaps(f"/{simple['id']}/download"))
    assert empty.status == 200 and pcapfile.PcapFile(empty.body).records == []
    # The restarted daemon takes new captures (the full one no longer blocks).
    assert d2.create_full(time_limit=1, packet_limit=1).status == 200
    listed = d2.request("GET", d2.pcaps()).json
    assert listed["result_info"]["total_count"] == 3


# The store as the first release wrote it (schema version 1).
V1_SCHEMA = """
CREATE TABLE captures (id TEXT PRIMARY KEY, account_id TEXT NOT NULL,
  submitted_ms INTEGER NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
  time_limit INTEGER NOT NULL, packet_limit INTEGER NOT NULL, filter_v1 TEXT NOT NULL,
  packets_captured INTEGER NOT NULL DEFAULT 0, packets_dropped INTEGER NOT NULL DEFAULT 0,
  stop_requested INTEGER NOT NULL DEFAULT 0, error_message TEXT NOT NULL DEFAULT '',
  file_size INTEGER NOT NULL DEFAULT 0);
CREATE INDEX captures_by_account ON captures(account_id, submitted_ms DESC, id);
PRAGMA user_version=1;
"""


def test_store_of_the_first_release_is_upgraded(daemon_factory, tmp_path):
    import sqlite3
    from conftest import ACCOUNT
    state = tmp_path / "old-state"
    (state / "pcaps").mkdir(parents=True)
    cid = "ab" * 16
    header = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 160, 1)
    (state / "pcaps" / f"{cid}.pcap").write_bytes(header)
    db = sqlite3.connect(state / "pcapd.db")
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO captures (id, account_id, submitted_ms, type, status, time_limit,"
               " packet_limit, filter_v1, file_size, stop_requested) VALUES (?,?,?,?,?,?,?,?,?,1)",
               (cid, ACCOUNT, 1700000000000, "simple", "success", 5, 10, '{"protocol":6}', 24))
    db.commit()
    db.close()
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"], name="old")
    assert d.state_dir == state
    got = d.request("GET", d.pcaps(f"/{cid}"))
    assert got.status == 200, got.body
    assert got.json["result"]["submitted"] == "2023-11-14T22:13:20Z"
    assert got.json["result"]["filter_v1"] == {"protocol": 6}
    assert d.request("GET", d.pcaps(f"/{cid}/download")).body == header
    assert d.create_full(time_limit=1, packet_limit=1, byte_limit=5000).status == 200
    with sqlite3.connect(state / "pcapd.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
        # Version 4 keeps the time of a stop; an old stop takes its
        # submission time.
        assert db.execute("SELECT stop_requested_ms FROM captures WHERE id=?",
                          (cid,)).fetchone()[0] == 1700000000000
