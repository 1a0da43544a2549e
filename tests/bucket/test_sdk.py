"""Compatibility with the official Cloudflare TypeScript SDK (npm
`cloudflare`, pinned): sdk_compat.mjs drives every magicTransit.pcaps
method, ownership included, against the real daemon with no change to the
SDK, and checks each answer against the SDK's declared types."""
import json
import subprocess
import sys

from conftest import ACCOUNT, BUCKET, HERE, ROOT, wait_delivery

sys.path.insert(0, str(ROOT / "tests" / "integration"))
import pcapfile  # noqa: E402


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
