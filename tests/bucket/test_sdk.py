"""Compatibility with the official Cloudflare TypeScript SDK (npm
`cloudflare`, pinned): sdk_compat.mjs drives every magicTransit.pcaps
method, ownership included, against the real daemon with no change to the
SDK, and checks each answer against the SDK's declared types;
sdk_lookback.mjs makes look-back captures (offset_time, issue 14) with
`pcaps.create`, whose files must hold exactly the packets tshark selects
from the replay the daemon's history recorded."""
import json
import subprocess
import sys

from conftest import ACCOUNT, BUCKET, HERE, ROOT, node_ready, wait_delivery

sys.path.insert(0, str(ROOT / "tests" / "integration"))
import pcapfile  # noqa: E402
from lookback_replay import (PARTS, check_capture_file, expected_records, ns_time,  # noqa: E402
                             record_ns, start_replay, tshark_addr, tshark_port, tshark_proto)


def test_cloudflare_sdk_drives_every_pcaps_method(bucket_daemon, s3server):
    d = bucket_daemon(delivery_keep_local="off")
    p = subprocess.run(
        ["node", str(HERE / "sdk_compat.mjs"), d.base_url + "/client/v4", d.token, ACCOUNT,
         s3server.destination(), f"{s3server.endpoint}/{BUCKET}/captures"],
        capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    # What the SDK downloaded is the daemon's file.
    r = d.request("GET", d.pcaps(f"/{out['simple']}/download"))
    assert r.status == 200 and len(r.body) == out["downloaded"] > 24
    # And the full capture is in the bucket, whole.
    c, _ = wait_delivery(d, out["full"])
    obj = s3server.get(f"captures/pcap_{out['full']}.pcap")
    assert c["status"] == "success" and obj is not None
    assert len(pcapfile.PcapFile(obj).records) == c["packets_captured"]
    assert out["checks"] >= 20, out


def test_cloudflare_sdk_lookback_capture(daemon_factory, tmp_path):
    """pcaps.create with offset_time, from the SDK: each capture succeeds,
    echoes offset_time, and holds exactly the packets tshark selects from
    the replay for its filter and window (a broad one over everything, one
    cut in the middle, a narrow one at the end, one cut by packet_limit)."""
    node_ready()
    rp = start_replay(daemon_factory, tmp_path, parts=PARTS)
    times = sorted({record_ns(r) for r in rp.records})
    last, mid = times[-1], times[len(times) // 2]
    # (offset, time_limit, packet_limit, filter_v1, tshark display filter)
    cases = [
        (last, 300, 10000, {"protocol": 6}, tshark_proto(6)),
        (mid, 300, 10000, {"source_port": 80}, tshark_port("src", 80)),
        # The last part of the replay (cs-tcp_ports: TCP to 172.16.16.128)
        # ends the window, 1.3 s after the part before it.
        (last, 2, 10000, {"destination_address": "172.16.0.0/12", "protocol": 6},
         f"{tshark_addr('dst', '172.16.0.0/12')} && {tshark_proto(6)}"),
        (last, 300, 5, {}, ""),
    ]
    requests = [{"offset_time": ns_time(offset), "time_limit": limit, "packet_limit": plimit,
                 "filter_v1": flt, "out": str(tmp_path / f"sdk-lookback-{i}.pcap")}
                for i, (offset, limit, plimit, flt, _) in enumerate(cases)]
    p = subprocess.run(["node", str(HERE / "sdk_lookback.mjs"), rp.d.base_url + "/client/v4",
                        rp.d.token, ACCOUNT, json.dumps(requests)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    for (offset, limit, plimit, flt, display), req, c in zip(cases, requests, out["captures"]):
        want = expected_records(rp, offset, limit, display, plimit)
        assert want, f"{flt} selects nothing in the replay's window"
        check_capture_file(open(req["out"], "rb").read(), want, flt)
        assert c["status"] == "success" and c["packets_captured"] == len(want), c
    # The window in the middle and the narrow one do cut the replay.
    assert out["captures"][1]["packets_captured"] < len(expected_records(rp, last, 300,
                                                                         tshark_port("src", 80)))
    assert out["checks"] >= 4 * 3 + 1, out
