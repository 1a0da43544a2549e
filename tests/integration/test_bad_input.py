"""Bad input never crashes the daemon and never changes what is stored:
each request gets its status and an error envelope with a stable code and
a message that names the field and the rule."""
import pytest

from conftest import ACCOUNT

VALID = {"type": "simple", "system": "magic-transit", "time_limit": 5, "packet_limit": 10}
VALID_FULL = {"type": "full", "system": "magic-transit", "time_limit": 5, "colo_name": "local"}


def with_(base=VALID, **changes):
    """`base` with `changes` applied; a value of KeyError removes the key."""
    body = dict(base)
    for k, v in changes.items():
        if v is KeyError:
            body.pop(k)
        else:
            body[k] = v
    return body


def full(**changes):
    """A full capture request with `changes` applied."""
    return with_(VALID_FULL, **changes)


# (raw body, expected status, expected code, words the message must hold)
BAD_BODIES = [
    (b"{", 400, 1000, ["not valid JSON"]),
    (b"", 400, 1000, ["not valid JSON"]),
    (b'{"type":"simple","type":"full"}', 400, 1000, ["duplicate"]),
    (b"[1,2]", 400, 1002, ["JSON object"]),
    (b'"simple"', 400, 1002, ["JSON object"]),
    (b"[" * 3000 + b"]" * 3000, 400, 1000, ["not valid JSON"]),  # deeper than 2048
    (with_(type=KeyError), 400, 1003, ["type", "required"]),
    (with_(system=KeyError), 400, 1003, ["system", "required"]),
    (with_(time_limit=KeyError), 400, 1003, ["time_limit", "required"]),
    (with_(packet_limit=KeyError), 400, 1003, ["packet_limit", "required"]),
    (with_(type=3), 400, 1004, ["type"]),
    (with_(type="sampled"), 400, 1006, ["type", "simple"]),
    (with_(system="magic-wan"), 400, 1006, ["system", "magic-transit"]),
    (with_(time_limit="5"), 400, 1004, ["time_limit", "integer"]),
    (with_(time_limit=1.5), 400, 1004, ["time_limit", "integer"]),
    (with_(time_limit=0), 400, 1005, ["time_limit", "1 to 300"]),
    (with_(time_limit=301), 400, 1005, ["time_limit", "1 to 300"]),
    (with_(time_limit=1e300), 400, 1005, ["time_limit"]),
    (with_(packet_limit=10001), 400, 1005, ["packet_limit", "1 to 10000"]),
    (with_(packet_limit=-1), 400, 1005, ["packet_limit"]),
    (with_(packet_limit=None), 400, 1004, ["packet_limit"]),
    (with_(colour="red"), 400, 1007, ["colour", "unknown field"]),
    (with_(filter_v1=[]), 400, 1004, ["filter_v1", "object"]),
    (with_(filter_v1={"source_port": 70000}), 400, 1005, ["filter_v1.source_port", "65535"]),
    (with_(filter_v1={"destination_port": "80"}), 400, 1004, ["filter_v1.destination_port"]),
    (with_(filter_v1={"protocol": 256}), 400, 1005, ["filter_v1.protocol", "255"]),
    (with_(filter_v1={"source_address": "1.2.3.256"}), 400, 1008, ["filter_v1.source_address"]),
    (with_(filter_v1={"destination_address": "10.0.0.0/33"}), 400, 1008,
     ["filter_v1.destination_address"]),
    (with_(filter_v1={"source_address": 16909060}), 400, 1004, ["filter_v1.source_address"]),
    (with_(filter_v1={"source_address": "10.0.0.1", "destination_address": "2001:db8::1"}), 400,
     1008, ["filter_v1.destination_address", "same address family"]),
    (with_(filter_v1={"port": 80}), 400, 1007, ["filter_v1.port", "unknown field"]),
    (with_(offset_time="2000-01-01T00:00:00Z"), 400, 1005, ["offset_time", "24 hours"]),
    (with_(offset_time="2999-01-01T00:00:00+02:00"), 400, 1005, ["offset_time", "future"]),
    (with_(offset_time="1969-12-31T23:59:59Z"), 400, 1006, ["offset_time", "RFC 3339"]),
    (with_(offset_time="yesterday"), 400, 1006, ["offset_time", "RFC 3339"]),
    (with_(offset_time="2026-13-01T00:00:00Z"), 400, 1006, ["offset_time", "RFC 3339"]),
    (with_(offset_time=1700000000), 400, 1004, ["offset_time", "RFC 3339"]),
    (with_(byte_limit=1000), 400, 1007, ["byte_limit", "unknown field", "simple"]),
    (with_(colo_name="local"), 400, 1007, ["colo_name", "unknown field"]),
    (with_(destination_conf="s3://b"), 400, 1007, ["destination_conf", "unknown field"]),
    (with_(filter_v1={"source_port": -1}), 400, 1005, ["filter_v1.source_port"]),
    (with_(filter_v1={"protocol": 6.5}), 400, 1004, ["filter_v1.protocol", "integer"]),
    (with_(filter_v1={"source_address": "2001:db8::/129"}), 400, 1008,
     ["filter_v1.source_address"]),
    (with_(filter_v1={"source_address": "example.com"}), 400, 1008,
     ["filter_v1.source_address"]),
    (with_(filter_v1={"filter_v1": {"filter_v1": {}}}), 400, 1007, ["filter_v1.filter_v1"]),
    # full captures
    (full(time_limit=KeyError), 400, 1003, ["time_limit", "required"]),
    (full(time_limit=0), 400, 1005, ["time_limit", "1 to 86400"]),
    (full(time_limit=86401), 400, 1005, ["time_limit", "1 to 86400"]),
    (full(time_limit="60"), 400, 1004, ["time_limit", "integer"]),
    (full(packet_limit=0), 400, 1005, ["packet_limit", "1 to 10000"]),
    (full(packet_limit=10001), 400, 1005, ["packet_limit", "1 to 10000"]),
    (full(byte_limit=0), 400, 1005, ["byte_limit", "1 to 1000000000"]),
    (full(byte_limit=1000000001), 400, 1005, ["byte_limit", "1 to 1000000000"]),
    (full(byte_limit="1000"), 400, 1004, ["byte_limit", "integer"]),
    (full(byte_limit=1.5), 400, 1004, ["byte_limit", "integer"]),
    (full(colo_name=KeyError), 400, 1003, ["colo_name", "required"]),
    (full(colo_name="ord02"), 400, 1006, ["colo_name", '"local"', "site"]),
    (full(colo_name=KeyError, colo="ORD"), 400, 1006, ["colo", '"local"']),
    (full(colo="ord02"), 400, 1006, ["colo", "colo_name"]),
    (full(colo_name=7), 400, 1004, ["colo_name", "string"]),
    (full(colo_name=""), 400, 1005, ["colo_name", "string"]),
    (full(destination_conf=5), 400, 1004, ["destination_conf", "string"]),
    (full(destination_conf=""), 400, 1005, ["destination_conf"]),
    (full(destination_conf="s3://" + "b" * 1100), 400, 1005, ["destination_conf", "1023"]),
    (full(offset_time="2000-01-01T00:00:00Z"), 400, 1007, ["offset_time", "full"]),
    (full(sample_rate=1), 400, 1007, ["sample_rate", "unknown field"]),
    (full(system="magic-wan"), 400, 1006, ["system", "magic-transit"]),
    (full(filter_v1={"destination_port": 65536}), 400, 1005,
     ["filter_v1.destination_port", "65535"]),
    (full(filter_v1={"destination_address": "::ffff:1.2.3.4/200"}), 400, 1008,
     ["filter_v1.destination_address"]),
]


@pytest.fixture(scope="module")
def shared_daemon(tmp_path_factory):
    """One daemon for every bad request of this module (they must all leave
    it serving)."""
    from conftest import ROOT, start_daemon
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = start_daemon(tmp_path_factory.mktemp("bad"),
                     [f"net_pcap0,rx_pcap={sample},infinite_rx=1"],
                     extra={"max_body_size": 16384})
    yield d
    assert d.stop() == 0, d.log()
    assert "runtime error" not in d.log() and "AddressSanitizer" not in d.log()


def check_error(r, status, code, words):
    assert r.status == status, r.body
    assert r.headers["content-type"] == "application/json"
    assert r.json["success"] is False and r.json["result"] is None
    assert r.json["messages"] == []
    [err] = r.json["errors"]
    assert err["code"] == code, err
    for w in words:
        assert w in err["message"], err


@pytest.mark.parametrize("body, status, code, words", BAD_BODIES,
                         ids=[f"{i}-{c[2]}" for i, c in enumerate(BAD_BODIES)])
def test_bad_create_bodies(shared_daemon, body, status, code, words):
    d = shared_daemon
    raw = body if isinstance(body, bytes) else None
    r = d.request("POST", d.pcaps(), body=None if raw is not None else body, raw=raw)
    check_error(r, status, code, words)
    assert d.alive()


def test_body_over_limit_is_413(shared_daemon):
    d = shared_daemon
    big = b'{"type":"simple","pad":"' + b"x" * 20000 + b'"}'
    check_error(d.request("POST", d.pcaps(), raw=big), 413, 1001, ["limit"])


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/client/v4/accounts/ffffffffffffffffffffffffffffffff/pcaps", 404, 1101),
    ("POST", "/client/v4/accounts/not-an-account/pcaps", 404, 1101),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps/00000000000000000000000000000000", 404, 1102),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps/short", 404, 1102),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps/{'a' * 500}/download", 404, 1102),
    ("PUT", f"/client/v4/accounts/{ACCOUNT}/pcaps/00000000000000000000000000000000/stop", 404,
     1102),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcapz", 404, 1100),
    ("GET", "/", 404, 1100),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps/00000000000000000000000000000000/nope", 404,
     1100),
    ("DELETE", f"/client/v4/accounts/{ACCOUNT}/pcaps", 405, 1103),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps/00000000000000000000000000000000/stop", 405,
     1103),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps?per_page=0", 400, 1010),
    ("GET", f"/client/v4/accounts/{ACCOUNT}/pcaps?page=abc", 400, 1010),
])
def test_bad_paths(shared_daemon, method, path, status, code):
    d = shared_daemon
    check_error(d.request(method, path), status, code, [])
    assert d.alive()


def test_store_unchanged_by_bad_input_and_daemon_still_serves(shared_daemon):
    d = shared_daemon
    r = d.create(time_limit=1, packet_limit=5, filter_v1={"protocol": 17})
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    before = d.wait_status(cid)
    for body, *_ in BAD_BODIES[:10]:
        d.request("POST", d.pcaps(), raw=body if isinstance(body, bytes) else None,
                  body=None if isinstance(body, bytes) else body)
    listed = d.request("GET", d.pcaps())
    assert listed.status == 200
    assert [c["id"] for c in listed.json["result"]] == [cid], "no bad request stored anything"
    assert d.request("GET", d.pcaps(f"/{cid}")).json["result"] == before


def test_download_before_end_is_409(shared_daemon):
    d = shared_daemon
    r = d.create(time_limit=300, packet_limit=10, filter_v1={"protocol": 250})
    cid = r.json["result"]["id"]
    check_error(d.request("GET", d.pcaps(f"/{cid}/download")), 409, 1200, [cid, "running"])
    assert d.request("PUT", d.pcaps(f"/{cid}/stop")).status == 200
    assert d.wait_status(cid)["status"] == "success"
