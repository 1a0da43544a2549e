"""Admission limits: one simple capture per account per simple_rate_window
(429 with Retry-After), one full capture pending or running per account
(409), and at most max_captures running on the appliance (503)."""
import time

from conftest import OTHER_ACCOUNT, ROOT

SIMPLE = {"type": "simple", "system": "magic-transit", "time_limit": 300, "packet_limit": 10,
          "filter_v1": {"protocol": 250}}  # matches nothing in the sample: stays running
FULL = {"type": "full", "system": "magic-transit", "time_limit": 300, "colo_name": "local",
        "filter_v1": {"protocol": 250}}


def ports():
    sample = ROOT / "config" / "sample-traffic.pcap"
    return [f"net_pcap0,rx_pcap={sample},infinite_rx=1"]


def check_error(r, status, code, words=()):
    assert r.status == status, r.body
    assert r.json["success"] is False and r.json["result"] is None
    [err] = r.json["errors"]
    assert err["code"] == code, err
    for w in words:
        assert w in err["message"], err


def stop_and_wait(d, cid, token=None, account=None):
    kw = {"token": token} if token else {}
    path = d.pcaps(f"/{cid}", account=account) if account else d.pcaps(f"/{cid}")
    assert d.request("PUT", path + "/stop", **kw).status == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if d.request("GET", path, **kw).json["result"]["status"] in ("success", "failed"):
            return
        time.sleep(0.05)
    raise AssertionError("capture did not end")


def test_one_simple_capture_per_window(daemon_factory):
    d = daemon_factory(ports(), extra={"simple_rate_window": 60})
    first = d.request("POST", d.pcaps(), SIMPLE)
    assert first.status == 200, first.body
    second = d.request("POST", d.pcaps(), SIMPLE)
    check_error(second, 429, 1301, ["one simple capture per 60 s", "retry in"])
    assert 1 <= int(second.headers["retry-after"]) <= 60
    # Nothing was stored for the refused request.
    listed = d.request("GET", d.pcaps()).json
    assert [c["id"] for c in listed["result"]] == [first.json["result"]["id"]]
    # Invalid requests are still 400, not 429.
    check_error(d.request("POST", d.pcaps(), dict(SIMPLE, time_limit=0)), 400, 1005)
    # The window is per account, and does not apply to full captures.
    other = d.create_token(account=OTHER_ACCOUNT)
    r = d.request("POST", d.pcaps(account=OTHER_ACCOUNT), SIMPLE, token=other)
    assert r.status == 200, r.body
    full = d.request("POST", d.pcaps(), FULL)
    assert full.status == 200, full.body
    for cid in (first.json["result"]["id"], full.json["result"]["id"]):
        stop_and_wait(d, cid)
    stop_and_wait(d, r.json["result"]["id"], token=other, account=OTHER_ACCOUNT)


def test_simple_window_ends(daemon_factory):
    d = daemon_factory(ports(), extra={"simple_rate_window": 2})
    body = dict(SIMPLE, time_limit=1)
    assert d.request("POST", d.pcaps(), body).status == 200
    created = time.monotonic()
    r = d.request("POST", d.pcaps(), body)
    if time.monotonic() - created < 1.5:  # (a loaded machine may be slower)
        check_error(r, 429, 1301)
        assert r.headers["retry-after"] in ("1", "2")
    time.sleep(max(0.0, created + 2.1 - time.monotonic()))
    r = d.request("POST", d.pcaps(), body)
    assert r.status == 200, r.body
    d.wait_status(r.json["result"]["id"])


def test_one_full_capture_per_account(daemon_factory):
    d = daemon_factory(ports())
    first = d.request("POST", d.pcaps(), FULL)
    assert first.status == 200, first.body
    check_error(d.request("POST", d.pcaps(), FULL), 409, 1201, ["full capture", "running"])
    # Simple captures and other accounts are not affected.
    simple = d.request("POST", d.pcaps(), SIMPLE)
    assert simple.status == 200, simple.body
    other = d.create_token(account=OTHER_ACCOUNT)
    theirs = d.request("POST", d.pcaps(account=OTHER_ACCOUNT), FULL, token=other)
    assert theirs.status == 200, theirs.body
    # Once the first has ended, the account may start another.
    stop_and_wait(d, first.json["result"]["id"])
    again = d.request("POST", d.pcaps(), FULL)
    assert again.status == 200, again.body
    for cid in (again.json["result"]["id"], simple.json["result"]["id"]):
        stop_and_wait(d, cid)
    stop_and_wait(d, theirs.json["result"]["id"], token=other, account=OTHER_ACCOUNT)


def test_global_cap_on_running_captures(daemon_factory):
    d = daemon_factory(ports(), extra={"max_captures": 2})
    other = d.create_token(account=OTHER_ACCOUNT)
    a = d.request("POST", d.pcaps(), SIMPLE)
    b = d.request("POST", d.pcaps(account=OTHER_ACCOUNT), FULL, token=other)
    assert a.status == 200 and b.status == 200, (a.body, b.body)
    r = d.request("POST", d.pcaps(), SIMPLE)
    check_error(r, 503, 1300, ["maximum of 2 captures", "max_captures"])
    check_error(d.request("POST", d.pcaps(), FULL), 503, 1300)
    assert d.request("GET", d.pcaps()).json["result_info"]["total_count"] == 1
    stop_and_wait(d, a.json["result"]["id"])
    c = d.request("POST", d.pcaps(), SIMPLE)
    assert c.status == 200, c.body
    stop_and_wait(d, c.json["result"]["id"])
    stop_and_wait(d, b.json["result"]["id"], token=other, account=OTHER_ACCOUNT)
