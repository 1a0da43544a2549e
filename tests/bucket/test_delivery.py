"""Full captures delivered to a real S3-compatible server (s3rver behind a
Signature V4 check): read back byte for byte, in one PUT and in parts, with
the store's refusals in error_message and no credential anywhere, and
resumed after the server or the daemon went away mid-upload."""
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest
from conftest import (BUCKET, DOOMED_BUCKET, ROOT, S3Server, delivery_config, pcapd_daemon,
                      replay_port, validate_bucket, wait_delivery, wait_status)

sys.path.insert(0, str(ROOT / "tests" / "integration"))
import pcapfile  # noqa: E402

SECRET = "wrongSecretNeverShown42"


def object_key(cid):
    return f"captures/pcap_{cid}.pcap"


def download(d, cid):
    r = d.request("GET", d.pcaps(f"/{cid}/download"))
    assert r.status == 200, r.body
    return r.body


def test_multipart_delivery_byte_for_byte(bucket_daemon, s3server):
    d = bucket_daemon(delivery_keep_local="on")
    conf = s3server.destination()
    validate_bucket(d, s3server, conf)
    r = d.create_full(time_limit=60, byte_limit=30_000_000, destination_conf=conf)
    assert r.status == 200, r.body
    assert "stop_requested" not in r.json["result"]
    c, seen = wait_delivery(d, r.json["result"]["id"])
    assert c["status"] == "success" and "error_message" not in c, c
    assert "conversion_running" in seen and seen[-1] == "success", seen
    obj = s3server.get(object_key(c["id"]))
    assert obj is not None and obj == download(d, c["id"]), "the object is the capture"
    assert len(pcapfile.PcapFile(obj).records) == c["packets_captured"]
    assert f"event=delivery_start id={c['id']}" in d.log() and " parts=4" in d.log()


def test_single_put_then_local_copy_removed(bucket_daemon, s3server):
    d = bucket_daemon()
    conf = s3server.destination()
    validate_bucket(d, s3server, conf)
    r = d.create_full(time_limit=60, byte_limit=2_000_000, destination_conf=conf)
    c, _ = wait_delivery(d, r.json["result"]["id"])
    assert c["status"] == "success", c
    obj = s3server.get(object_key(c["id"]))
    assert len(pcapfile.PcapFile(obj).records) == c["packets_captured"] > 0
    assert " parts=1" in d.log()
    assert not list((d.state_dir / "pcaps").glob(f"{c['id']}*")), "the local copy is gone"
    r = d.request("GET", d.pcaps(f"/{c['id']}/download"))
    assert r.status == 409 and r.json["errors"][0]["code"] == 1202, r.body
    assert f"s3://{BUCKET}/captures/pcap_{c['id']}.pcap" in r.json["errors"][0]["message"]


def test_rate_cap(bucket_daemon, s3server):
    # 16 Mbit/s is 2 MB/s: 6 MB take 3 s (less the cap's 0.1 s burst).
    d = bucket_daemon(delivery_rate_mbit=16)
    conf = s3server.destination()
    validate_bucket(d, s3server, conf)
    r = d.create_full(time_limit=60, byte_limit=6_000_000, destination_conf=conf)
    c, _ = wait_delivery(d, r.json["result"]["id"])
    assert c["status"] == "success", c
    m = re.search(rf"event=delivery_done id={c['id']} .* bytes=(\d+) seconds=([\d.]+)", d.log())
    rate = int(m.group(1)) / float(m.group(2))
    assert rate <= 2.2e6, f"{rate / 1e6:.2f} MB/s under a cap of 2 MB/s"


def test_wrong_secret_fails_with_the_store_answer(bucket_daemon, s3server):
    d = bucket_daemon()
    validate_bucket(d, s3server, s3server.destination())
    bad = s3server.destination(creds=("S3RVER", SECRET))
    r = d.create_full(time_limit=60, byte_limit=1_000_000, destination_conf=bad)
    assert r.status == 200, r.body
    assert SECRET not in r.body.decode() and "secret-access-key=REDACTED" in r.body.decode()
    c, _ = wait_delivery(d, r.json["result"]["id"])
    assert c["status"] == "failed", c
    assert "SignatureDoesNotMatch" in c["error_message"], c
    assert c["error_message"].startswith("uploading the object of s3://"), c
    # The capture's file stays here, since it was not delivered.
    assert len(pcapfile.PcapFile(download(d, c["id"])).records) == c["packets_captured"]
    assert s3server.get(object_key(c["id"])) is None
    # A challenge written with the wrong secret is refused the same way.
    r = d.request("POST", d.pcaps("/ownership"), {"destination_conf": bad})
    assert r.status == 400 and r.json["errors"][0]["code"] == 1013, r.body
    assert "SignatureDoesNotMatch" in r.json["errors"][0]["message"]
    for answer in (d.request("GET", d.pcaps(f"/{c['id']}")), d.request("GET", d.pcaps()),
                   d.request("GET", d.pcaps("/ownership")), r):
        assert SECRET not in answer.body.decode()
    assert SECRET not in d.log()


def test_missing_bucket(bucket_daemon, s3server):
    d = bucket_daemon()
    r = d.request("POST", d.pcaps("/ownership"),
                  {"destination_conf": s3server.destination(bucket="no-such-bucket",
                                                            creds=("S3RVER", "S3RVER"))})
    assert r.status == 400 and r.json["errors"][0]["code"] == 1013, r.body
    assert "NoSuchBucket" in r.json["errors"][0]["message"]
    # A bucket validated, then deleted before the capture is delivered.
    conf = s3server.destination(bucket=DOOMED_BUCKET, creds=("S3RVER", "S3RVER"))
    o = validate_bucket_in(d, s3server, conf, DOOMED_BUCKET)
    assert s3server.s3("DELETE", f"/{DOOMED_BUCKET}/captures/{o['filename']}")[0] == 204
    assert s3server.s3("DELETE", f"/{DOOMED_BUCKET}")[0] == 204
    r = d.create_full(time_limit=60, byte_limit=1_000_000, destination_conf=conf)
    c, _ = wait_delivery(d, r.json["result"]["id"])
    assert c["status"] == "failed" and "NoSuchBucket" in c["error_message"], c


def validate_bucket_in(d, server, conf, bucket):
    """validate_bucket() for a bucket other than the default one."""
    r = d.request("POST", d.pcaps("/ownership"), {"destination_conf": conf})
    assert r.status == 200, r.body
    o = r.json["result"]
    token = server.get(f"captures/{o['filename']}", bucket=bucket).decode()
    r = d.request("POST", d.pcaps("/ownership/validate"),
                  {"destination_conf": conf, "ownership_challenge": token})
    assert r.json["result"]["status"] == "success", r.body
    return o


def capture_to(d, server, byte_limit):
    """Validates the bucket of `server` and starts a capture of
    `byte_limit` bytes to it; returns the capture's id."""
    conf = server.destination()
    validate_bucket(d, server, conf)
    r = d.create_full(time_limit=60, byte_limit=byte_limit, destination_conf=conf)
    assert r.status == 200, r.body
    return r.json["result"]["id"]


def start_upload(d, server, byte_limit):
    """capture_to(), then waits until the upload runs."""
    cid = capture_to(d, server, byte_limit)
    wait_status(d, cid, "conversion_running")
    return cid


def test_server_stopped_mid_upload_then_restarted(bucket_daemon, s3server):
    # 5 MB/s: the 30 MB upload takes about 6 s.
    d = bucket_daemon(delivery_keep_local="on", delivery_rate_mbit=40)
    cid = start_upload(d, s3server, 30_000_000)
    time.sleep(1.5)
    s3server.stop(signal.SIGKILL)
    time.sleep(3)
    c = d.request("GET", d.pcaps(f"/{cid}")).json["result"]
    assert c["status"] == "conversion_running", c
    s3server.start()
    c, _ = wait_delivery(d, cid)
    assert c["status"] == "success", c
    assert s3server.get(object_key(cid)) == download(d, cid)
    assert f"event=delivery_retry id={cid}" in d.log()


def test_daemon_killed_mid_upload_resumes(bucket_daemon, s3server):
    # One part at a time at 5 MB/s: a part of 8 MiB every 1.7 s.
    extra = dict(delivery_keep_local="on", delivery_rate_mbit=40, delivery_parallel=1)
    d = bucket_daemon(**extra)
    cid = start_upload(d, s3server, 40_000_000)
    time.sleep(4.5)
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    d2 = bucket_daemon(token=d.token, **extra)
    c, _ = wait_delivery(d2, cid)
    assert c["status"] == "success", c
    resumed = [line for line in d2.log().splitlines() if "event=delivery_resumed" in line]
    assert resumed and "parts_done=0" not in resumed[0], d2.log()
    assert s3server.get(object_key(cid)) == download(d2, cid)


def test_damaged_copy_is_sent_again(daemon_factory, tmp_path):
    # The store's copy of one part differs from what was sent: its ETag is
    # not the MD5 of the bytes sent, so the part goes again.
    server = S3Server(tmp_path / "s3", damage=1)
    try:
        d = daemon_factory([replay_port()], extra=delivery_config(server, delivery_keep_local="on"))
        cid = capture_to(d, server, 20_000_000)
        c, _ = wait_delivery(d, cid)
        assert c["status"] == "success", c
        assert server.get(object_key(cid)) == download(d, cid)
        retries = [line for line in d.log().splitlines() if f"event=delivery_retry id={cid}" in line]
        assert len(retries) == 1 and "is not the MD5 of the bytes sent" in retries[0], retries
    finally:
        server.stop()


# 500 kB: a body hashed in curl's read callback; 2 MB: one hashed on its
# call's MD5 thread (bodies above 1 MiB, s3_client.c).
@pytest.mark.parametrize("size", [500_000, 2_000_000])
def test_store_damaging_every_copy_fails_the_capture(daemon_factory, tmp_path, size):
    server = S3Server(tmp_path / "s3", damage=100)
    try:
        d = daemon_factory([replay_port()], extra=delivery_config(server))
        cid = capture_to(d, server, size)
        c, _ = wait_delivery(d, cid)
        assert c["status"] == "failed", c
        assert re.fullmatch(r"uploading the object of s3://pcaps-bucket/captures/pcap_\w+\.pcap "
                            r"failed: the store's ETag [0-9a-f]{32} is not the MD5 of the bytes "
                            r"sent \([0-9a-f]{32}\)", c["error_message"]), c
        assert list((d.state_dir / "pcaps").glob(f"{cid}*")), "the local copy is kept"
    finally:
        server.stop()


def delivery_thread(d):
    """(nice, scheduling policy) of the daemon's delivery thread."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for task in pathlib.Path(f"/proc/{d.proc.pid}/task").iterdir():
            if (task / "comm").read_text().strip() == "pcapd-delivery":
                # The fields after the command's closing parenthesis; nice is
                # field 19 of stat(5) and the policy field 41.
                fields = (task / "stat").read_text().rpartition(")")[2].split()
                if int(fields[16]) == d.expected_nice:
                    return int(fields[16]), int(fields[38])
        time.sleep(0.1)
    raise AssertionError("no delivery thread at the expected nice value")


@pytest.mark.parametrize("nice, policy", [(None, 3), (0, 0), (19, 3)])
def test_delivery_thread_priority(daemon_factory, s3server, nice, policy):
    # Default 10 and SCHED_BATCH (3); 0: an ordinary thread (SCHED_OTHER).
    extra = delivery_config(s3server, **({} if nice is None else {"delivery_nice": nice}))
    d = daemon_factory([replay_port()], extra=extra)
    d.expected_nice = 10 if nice is None else nice
    assert delivery_thread(d) == (d.expected_nice, policy)


def test_delivery_nice_is_checked(tmp_path):
    conf = tmp_path / "bad.conf"
    pcapd_daemon.write_config(conf, tmp_path / "state", [replay_port()],
                              extra={"delivery_nice": 20})
    p = subprocess.run([pcapd_daemon.pcapd_binary(), "-c", str(conf)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert "delivery_nice: '20' is not an integer from 0 to 19" in p.stderr, p.stderr


def test_https_store_certificate_is_checked(daemon_factory, tmp_path):
    cert, key = tmp_path / "store.pem", tmp_path / "store.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = S3Server(tmp_path / "s3tls", tls=(cert, key))
    try:
        conf = server.destination()
        assert conf.count("endpoint=https://127.0.0.1:") == 1
        # Not trusted: the challenge cannot be written.
        d = daemon_factory([replay_port()], extra=delivery_config(server), name="untrusting")
        r = d.request("POST", d.pcaps("/ownership"), {"destination_conf": conf})
        assert r.status == 502 and r.json["errors"][0]["code"] == 1502, r.body
        assert "certificate" in r.json["errors"][0]["message"], r.body
        # Trusted through delivery_ca_file: delivered over HTTPS.
        d = daemon_factory([replay_port()], name="trusting",
                           extra=delivery_config(server, delivery_ca_file=cert))
        validate_bucket(d, server, conf)
        r = d.create_full(time_limit=60, byte_limit=1_000_000, destination_conf=conf)
        c, _ = wait_delivery(d, r.json["result"]["id"])
        assert c["status"] == "success", c
        assert len(pcapfile.PcapFile(server.get(object_key(c["id"])))
                   .records) == c["packets_captured"]
    finally:
        server.stop()
