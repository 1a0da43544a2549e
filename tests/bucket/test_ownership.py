"""The ownership challenge (/pcaps/ownership) against a real S3-compatible
server: the challenge file in the bucket, validation with the right and a
wrong token, deletion, and full captures refused until the bucket is
validated for the account."""
import re

from conftest import OTHER_ACCOUNT, ownership

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_ownership_round_trip(bucket_daemon, s3server):
    d = bucket_daemon()
    conf = s3server.destination()
    r = d.request("GET", ownership(d))
    assert r.status == 200 and r.json["result"] == [], r.body

    r = d.request("POST", ownership(d), {"destination_conf": conf})
    assert r.status == 200, r.body
    o = r.json["result"]
    assert set(o) == {"id", "destination_conf", "filename", "status", "submitted"}, o
    assert re.fullmatch(r"[0-9a-f]{32}", o["id"]) and o["status"] == "pending"
    assert o["filename"] == f"ownership-challenge-{o['id']}.txt" and o["destination_conf"] == conf
    assert RFC3339.match(o["submitted"])
    token = s3server.get(f"captures/{o['filename']}").decode()
    assert re.fullmatch(r"[0-9a-f]{32}", token), token
    assert d.request("GET", ownership(d)).json["result"] == [o]

    full = dict(time_limit=600, destination_conf=conf)
    r = d.create_full(**full)
    assert r.status == 400 and r.json["errors"][0]["code"] == 1012, r.body
    assert "/pcaps/ownership/validate" in r.json["errors"][0]["message"]

    r = d.request("POST", ownership(d, "/validate"),
                  {"destination_conf": conf, "ownership_challenge": "0" * 32})
    assert r.status == 200 and r.json["result"]["status"] == "failed", r.body
    assert "validated" not in r.json["result"]
    assert d.create_full(**full).status == 400

    # The token as pasted from the file, with a newline.
    r = d.request("POST", ownership(d, "/validate"),
                  {"destination_conf": conf, "ownership_challenge": token + "\n"})
    v = r.json["result"]
    assert r.status == 200 and v["status"] == "success" and RFC3339.match(v["validated"]), r.body
    assert v["id"] == o["id"] and v["filename"] == o["filename"]
    assert d.request("GET", ownership(d)).json["result"] == [v]

    # Another account's token sees none of it.
    other = d.create_token(account=OTHER_ACCOUNT)
    r = d.request("GET", d.pcaps("/ownership", account=OTHER_ACCOUNT), token=other)
    assert r.status == 200 and r.json["result"] == [], r.body

    r = d.create_full(**full)
    assert r.status == 200, r.body
    assert d.request("PUT", d.pcaps(f"/{r.json['result']['id']}/stop")).status == 200

    r = d.request("DELETE", ownership(d, f"/{o['id']}"))
    assert r.status == 204 and r.body == b"", r.body
    assert d.request("GET", ownership(d)).json["result"] == []
    r = d.request("DELETE", ownership(d, f"/{o['id']}"))
    assert r.status == 404 and r.json["errors"][0]["code"] == 1104, r.body
    r = d.request("POST", ownership(d, "/validate"),
                  {"destination_conf": conf, "ownership_challenge": token})
    assert r.status == 404 and r.json["errors"][0]["code"] == 1104, r.body
    assert d.create_full(**full).status == 400


def test_refusals(bucket_daemon, s3server):
    d = bucket_daemon(full_destination="required")
    conf = s3server.destination()
    r = d.create_full(time_limit=60)
    assert r.status == 400 and r.json["errors"][0]["code"] == 1003, r.body
    assert r.json["errors"][0]["message"].startswith("destination_conf: is required")
    r = d.create_full(time_limit=60, destination_conf=conf)
    assert r.status == 400 and r.json["errors"][0]["code"] == 1012, r.body
    cases = [
        ({"destination_conf": "ftp://bucket"}, 1006, "must be s3://"),
        ({"destination_conf": "s3://Bad_Bucket?region=x"}, 1006, "bucket name"),
        ({"destination_conf": "s3://pcaps-bucket"}, 1006, "region"),
        ({"destination_conf": "s3://pcaps-bucket?region=x&endpoint=http://10.1.2.3:9000"}, 1006,
         "plain http only on loopback"),
        ({"destination_conf": conf + "&colour=red"}, 1006, "unknown parameter 'colour'"),
        ({"destination_conf": "s3://other-bucket?region=eu-west-1"}, 1006, "no credentials"),
        ({"destination_conf": conf + "&access-key-id=x"}, 1006, "together"),
        ({"destination_conf": 5}, 1004, "destination_conf: must be a string"),
        ({}, 1003, "destination_conf: is required"),
        ({"destination_conf": conf, "bucket": "x"}, 1007, "bucket: unknown field"),
        ([], 1002, "must be a JSON object"),
    ]
    for body, code, text in cases:
        r = d.request("POST", ownership(d), body)
        assert r.status == 400 and r.json["errors"][0]["code"] == code, (body, r.body)
        assert text in r.json["errors"][0]["message"], (body, r.body)
    r = d.request("POST", ownership(d, "/validate"), {"destination_conf": conf})
    assert r.status == 400 and r.json["errors"][0]["code"] == 1003, r.body
    reader = d.create_token(permission="read")
    r = d.request("POST", ownership(d), {"destination_conf": conf}, token=reader)
    assert r.status == 403 and r.json["errors"][0]["code"] == 1402, r.body
    assert d.request("GET", ownership(d), token=reader).status == 200
    r = d.request("PUT", ownership(d))
    assert r.status == 405 and r.headers["allow"] == "GET, POST", r.body
    r = d.request("GET", ownership(d, "/validate"))
    assert r.status == 405 and r.headers["allow"] == "POST", r.body
    assert d.request("GET", ownership(d)).json["result"] == []


def test_credentials_in_the_string_are_never_shown(bucket_daemon, s3server):
    d = bucket_daemon()
    conf = s3server.destination(creds=("S3RVER", "S3RVER"))
    r = d.request("POST", ownership(d), {"destination_conf": conf})
    assert r.status == 200, r.body
    shown = r.json["result"]["destination_conf"]
    assert shown.endswith("&access-key-id=REDACTED&secret-access-key=REDACTED"), shown
    assert "S3RVER" not in d.request("GET", ownership(d)).body.decode()
    assert "S3RVER" not in d.log()
