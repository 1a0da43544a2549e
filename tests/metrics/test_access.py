"""Who may read /metrics, as the `metrics` setting says: any valid API
token of any account (token, the default), anyone (open), or nobody (off);
every refusal in the jobs API's envelope with its status and code."""
import os
import subprocess

import pytest

from conftest import OTHER_ACCOUNT, SAMPLE, scrape, pcapd_daemon

PORT = f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"


def error_of(r, status, code):
    """Checks that `r` is a refusal with `status` and error `code` in the
    v4 envelope; returns its message."""
    assert r.status == status, r.body
    assert r.headers["content-type"].startswith("application/json")
    assert r.json["success"] is False and r.json["result"] is None
    (err,) = r.json["errors"]
    assert err["code"] == code, err
    return err["message"]


def test_token_mode_is_the_default(daemon_factory):
    d = daemon_factory([PORT])
    msg = error_of(d.request("GET", "/metrics", token=None), 401, 1400)
    assert "no credentials" in msg
    assert d.request("GET", "/metrics", token=None).headers["www-authenticate"] == \
        'Bearer realm="pcapd"'
    error_of(d.request("GET", "/metrics", token="0" * 40), 401, 1401)
    # Any valid token of any account, read permission enough.
    other = d.create_token(account=OTHER_ACCOUNT, permission="read")
    s = scrape(d, token=other)
    assert s.get("pcapd_captures_max") == 64
    scrape(d, token=d.token)
    # A revoked token no longer reads them.
    token_id = other[:16]
    pcapd_daemon.token_cli(d.conf, "revoke", token_id)
    error_of(d.request("GET", "/metrics", token=other), 401, 1401)


def test_open_mode(daemon_factory):
    d = daemon_factory([PORT], extra={"metrics": "open"})
    s = scrape(d, token=None)
    assert s.get("pcapd_port_rx_packets_total", port="net_pcap0") > 0
    head = d.request("HEAD", "/metrics", token=None)
    assert head.status == 200 and head.body == b""
    assert head.headers["content-type"].startswith("text/plain; version=0.0.4")
    r = d.request("POST", "/metrics", body={}, token=None)
    assert "POST is not allowed" in error_of(r, 405, 1103)
    assert r.headers["allow"] == "GET, HEAD"


def test_off_mode(daemon_factory):
    d = daemon_factory([PORT], extra={"metrics": "off"})
    for token in (None, d.token):
        msg = error_of(d.request("GET", "/metrics", token=token), 404, 1100)
        assert "metrics = off" in msg
    # The rest of the API is unchanged.
    assert d.request("GET", d.pcaps()).status == 200


@pytest.mark.parametrize("value", ["bogus", "", "Open"])
def test_bad_setting_is_refused_at_start(tmp_path, value):
    conf = tmp_path / "pcapd.conf"
    pcapd_daemon.write_config(conf, tmp_path / "state", [PORT], extra={"metrics": value})
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run([pcapd_daemon.pcapd_binary(), "-c", str(conf)], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 2
    assert "metrics" in p.stderr and "token, open or off" in p.stderr, p.stderr
