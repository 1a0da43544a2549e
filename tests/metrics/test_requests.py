"""The API's request metrics move by exactly the requests made: each is
counted once under its route and status class, with one latency
observation, whether it was answered at once, parked and answered later
(an upload), refused before any handler, or a scrape itself."""
import collections

from conftest import SAMPLE, scrape

UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


def make_requests(d):
    """Sends a known mix of requests; returns their expected counts by
    (route, status class)."""
    want = collections.Counter()

    def send(route, method, path, **kwargs):
        r = d.request(method, path, **kwargs)
        want[(route, f"{r.status // 100}xx")] += 1
        return r

    assert send("pcaps_list", "GET", d.pcaps()).status == 200
    assert send("pcaps_list", "GET", d.pcaps("?page=1&per_page=5")).status == 200
    assert send("pcaps_list", "GET", d.pcaps(), token=None).status == 401
    assert send("pcaps_get", "GET", d.pcaps(f"/{UNKNOWN_ID}")).status == 404
    assert send("pcaps_download", "GET", d.pcaps(f"/{UNKNOWN_ID}/download")).status == 404
    assert send("pcaps_stop", "PUT", d.pcaps(f"/{UNKNOWN_ID}/stop")).status == 404
    assert send("pcaps_create", "POST", d.pcaps(), body={"type": "nope"}).status == 400
    assert send("unknown", "GET", "/nope").status == 404
    assert send("ui", "GET", "/ui/").status == 200
    assert send("analysis_status", "GET", f"/api/v2/analysis/{UNKNOWN_ID}/status").status == 404
    # Parked on the files lane, answered when the file is stored.
    up = send("analysis_upload", "POST", "/api/v2/upload", raw=SAMPLE.read_bytes(),
              headers={"Content-Type": "application/vnd.tcpdump.pcap"})
    assert up.status == 200, up.body
    assert send("analysis_hierarchy", "GET",
                f"/api/v2/analysis/{up.json['data']['id']}/stats/hierarchy").status == 200
    assert send("metrics", "DELETE", "/metrics").status == 405
    return want


def test_request_counters_move_by_the_requests_made(daemon_factory):
    d = daemon_factory([f"net_pcap0,rx_pcap={SAMPLE},infinite_rx=1"], extra={"metrics": "open"})
    before = scrape(d)
    want = make_requests(d)
    after = scrape(d)
    # The first scrape is counted once it has been answered.
    want[("metrics", "2xx")] += 1
    got = collections.Counter()
    for labels, value in after.find("pcapd_http_requests_total"):
        key = (labels["route"], labels["code"])
        delta = value - dict(((l["route"], l["code"]), v) for l, v in
                             before.find("pcapd_http_requests_total")).get(key, 0)
        if delta:
            got[key] = delta
    assert got == want
    # One latency observation per request, in its route's histogram.
    per_route = collections.Counter()
    for (route, _), n in want.items():
        per_route[route] += n
    for route, n in per_route.items():
        count = after.get("pcapd_http_request_duration_seconds_count", route=route)
        prior = dict((l["route"], v) for l, v in
                     before.find("pcapd_http_request_duration_seconds_count"))
        assert count - prior.get(route, 0) == n, route
        assert after.get("pcapd_http_request_duration_seconds_bucket", route=route,
                         le="+Inf") == count
    # The upload waited on another thread: its latency is not nothing.
    assert after.get("pcapd_http_request_duration_seconds_sum", route="analysis_upload") > 0
