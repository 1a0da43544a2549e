"""pcapd_captures{type,status} equals, at every step, what the API lists:
as captures start, run, end and are stopped; across a restart (counted
again from the store, a capture the shut-down interrupted now failed); and
as retention deletes ended captures, at start and while running."""
import collections
import time

from conftest import ACCOUNT, OTHER_ACCOUNT, SAMPLE, scrape, start_daemon

PORT = f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"
TYPES = ("simple", "full")
STATUSES = ("pending", "running", "success", "failed")


def api_counts(d):
    """Captures of every account the API lists, by (type, status)."""
    counts = collections.Counter()
    if not hasattr(d, "other_token"):
        d.other_token = d.create_token(account=OTHER_ACCOUNT, permission="read")
    for account in (ACCOUNT, OTHER_ACCOUNT):
        token = d.token if account == ACCOUNT else d.other_token
        r = d.request("GET", d.pcaps("?per_page=1000", account=account), token=token)
        assert r.status == 200, r.body
        for c in r.json["result"]:
            counts[(c["type"], c["status"])] += 1
    return counts


def metric_counts(d):
    s = scrape(d)
    return collections.Counter({(t, st): int(s.get("pcapd_captures", type=t, status=st))
                                for t in TYPES for st in STATUSES
                                if s.get("pcapd_captures", type=t, status=st)})


def assert_counts_match(d, expected):
    """The metrics, the API and `expected` agree (the metrics are read
    between two listings that agree, so no change slips in between)."""
    for _ in range(50):
        before = api_counts(d)
        got = metric_counts(d)
        if before == api_counts(d):
            break
        time.sleep(0.1)
    assert got == before == collections.Counter(expected), (got, before)


def stop_checked(d):
    rc = d.stop()
    assert rc == 0 and "AddressSanitizer" not in d.log() and "runtime error" not in d.log(), \
        d.log()


def test_counts_follow_the_api_through_restart_and_retention(tmp_path):
    d = start_daemon(tmp_path, [PORT], extra={"metrics": "open"})
    assert_counts_match(d, {})
    ended = d.create(time_limit=1, packet_limit=10, filter_v1={"protocol": 250})
    stopped = d.create(time_limit=300, packet_limit=10, filter_v1={"protocol": 250})
    full = d.create_full(time_limit=300, filter_v1={"protocol": 250})
    ids = [r.json["result"]["id"] for r in (ended, stopped, full)]
    for cid in ids[1:]:
        d.wait_status(cid, statuses=("running",))
    d.wait_status(ids[0])
    assert_counts_match(d, {("simple", "success"): 1, ("simple", "running"): 1,
                            ("full", "running"): 1})
    assert d.request("PUT", d.pcaps(f"/{ids[1]}/stop")).status == 200
    d.wait_status(ids[1])
    assert_counts_match(d, {("simple", "success"): 2, ("full", "running"): 1})

    # Shut down with the full capture running: it is recorded failed
    # (interrupted), and the next daemon counts the store afresh.
    stop_checked(d)
    d = start_daemon(tmp_path, [PORT], extra={"metrics": "open"}, token=d.token)
    assert d.request("GET", d.pcaps(f"/{ids[2]}")).json["result"]["status"] == "failed"
    assert_counts_match(d, {("simple", "success"): 2, ("full", "failed"): 1})
    stop_checked(d)

    # Retention of two seconds: what has ended is deleted at start...
    time.sleep(2.5)
    d = start_daemon(tmp_path, [PORT], token=d.token,
                     extra={"metrics": "open", "retention_seconds": 2})
    assert_counts_match(d, {})
    # ... and a capture ending later, by the sweep that runs every second.
    cid = d.create(time_limit=1, packet_limit=10).json["result"]["id"]
    d.wait_status(cid)
    deadline = time.monotonic() + 30
    while d.request("GET", d.pcaps(f"/{cid}")).status != 404:
        assert time.monotonic() < deadline, "retention did not delete the capture"
        time.sleep(0.2)
    assert_counts_match(d, {})
    stop_checked(d)
