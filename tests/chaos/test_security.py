"""Fault 5, security: no throttling of failed authentication (3,000 wrong
tokens at 1,680/s all answered 401) and plain HTTP only.  Now failures are
throttled per client address, and the API speaks HTTPS when configured."""
import json
import subprocess
import time

from chaos import SAMPLE, check_cs_error, check_v4_error, pcaps_url

WRONG = "0123456789abcdefAAAAAAAAAAAAAAAAAAAAAAAA"


def test_failed_authentication_is_throttled(daemon_factory):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                       extra={"auth_failure_limit": 10, "auth_failure_window": 3})
    assert d.request("GET", d.pcaps()).status == 200
    statuses = [d.request("GET", d.pcaps(), token=WRONG).status for _ in range(30)]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}, statuses
    # Throttled: the right token too, on both APIs, with Retry-After.
    r = d.request("GET", d.pcaps())
    msg = check_v4_error(r.status, r.body, 429, 1403)
    assert "failed authentications" in msg and 1 <= int(r.headers["retry-after"]) <= 3
    r = d.request("GET", "/api/v2/analysis/" + "0" * 32 + "/status")
    check_cs_error(r.status, r.body, 429)
    assert "event=auth_throttled client=127.0.0.1" in d.log()
    time.sleep(3.2)
    assert d.request("GET", d.pcaps()).status == 200


def test_https_with_a_certificate(daemon_factory, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"],
                       extra={"tls_certificate": cert, "tls_key": key})
    assert d.base_url.startswith("https://")
    url = pcaps_url(d.base_url.replace("https://", "https://"))
    ok = subprocess.run(["curl", "-sS", "--cacert", str(cert), "-H", f"Authorization: Bearer {d.token}",
                         url], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0 and json.loads(ok.stdout)["success"] is True, ok.stderr
    # Unverified certificates, old protocol versions and plain HTTP fail.
    untrusted = subprocess.run(["curl", "-sS", url], capture_output=True, text=True, timeout=30)
    assert untrusted.returncode == 60, untrusted.stderr
    old = subprocess.run(["curl", "-sS", "--cacert", str(cert), "--tlsv1.1", "--tls-max", "1.1", url],
                         capture_output=True, text=True, timeout=30)
    assert old.returncode != 0
    plain = subprocess.run(["curl", "-sS", url.replace("https://", "http://")],
                           capture_output=True, text=True, timeout=30)
    assert plain.returncode != 0


def test_tls_settings_are_checked_at_start(tmp_path):
    from pcapd_integration import pcapd_binary, write_config
    conf = tmp_path / "tls.conf"
    write_config(conf, tmp_path / "state", ["net_null0"], extra={"tls_certificate": "/nonexistent"})
    p = subprocess.run([pcapd_binary(), "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "tls_certificate and tls_key together" in p.stderr
