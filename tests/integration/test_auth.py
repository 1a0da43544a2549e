"""Authentication and isolation: every endpoint needs a token (Bearer, or the
legacy X-Auth-Email + X-Auth-Key pair); read tokens cannot create or stop;
a token of one account learns nothing about another, which is answered
exactly like something that does not exist."""
import sqlite3

import pytest

from conftest import ACCOUNT, OTHER_ACCOUNT, token_cli

NO_SUCH_ID = "00000000000000000000000000000000"


def check_error(r, status, code, words=()):
    assert r.status == status, r.body
    assert r.headers["content-type"] == "application/json"
    assert r.json["success"] is False and r.json["result"] is None
    assert r.json["messages"] == []
    [err] = r.json["errors"]
    assert err["code"] == code, err
    for w in words:
        assert w in err["message"], err
    return err


def endpoints(d, cid, account=ACCOUNT):
    """Every endpoint of the API, as (method, path, body)."""
    body = {"type": "simple", "system": "magic-transit", "time_limit": 1, "packet_limit": 1}
    return [
        ("GET", d.pcaps(account=account), None),
        ("POST", d.pcaps(account=account), body),
        ("GET", d.pcaps(f"/{cid}", account=account), None),
        ("GET", d.pcaps(f"/{cid}/download", account=account), None),
        ("PUT", d.pcaps(f"/{cid}/stop", account=account), None),
    ]


def stop_recorded(d, cid):
    """When a stop of capture `cid` was recorded (ms; 0: never).  The API
    shows it on full captures only, so the store is read."""
    with sqlite3.connect(d.state_dir / "pcapd.db") as db:
        return db.execute("SELECT stop_requested_ms FROM captures WHERE id=?",
                          (cid,)).fetchone()[0]


@pytest.fixture
def daemon_with_capture(replay_daemon):
    """A daemon and one ended capture of ACCOUNT."""
    d = replay_daemon
    r = d.create(time_limit=1, packet_limit=3)
    assert r.status == 200, r.body
    cid = r.json["result"]["id"]
    d.wait_status(cid)
    return d, cid


def test_no_credentials_is_401_everywhere(daemon_with_capture):
    d, cid = daemon_with_capture
    for method, path, body in endpoints(d, cid):
        r = d.request(method, path, body, token=None)
        check_error(r, 401, 1400, ["no credentials", "Bearer"])
        assert r.headers["www-authenticate"].startswith("Bearer")
    # Before the account is even looked at: an unknown account gets the same.
    check_error(d.request("GET", d.pcaps(account="f" * 32), token=None), 401, 1400)


@pytest.mark.parametrize("header", [
    "Bearer " + "0" * 40,                       # well formed, unknown
    "Bearer " + "0" * 16 + "A" * 24,            # well formed, unknown
    "Bearer short",                             # malformed
    "Bearer ",                                  # empty
    "Basic dXNlcjpwYXNz",                       # another scheme
    "Bearer " + "Z" * 40,                       # id part not hex
])
def test_wrong_bearer_token_is_401(daemon_with_capture, header):
    d, cid = daemon_with_capture
    for method, path, body in endpoints(d, cid):
        r = d.request(method, path, body, token=None, headers={"Authorization": header})
        check_error(r, 401, 1401, ["Authorization"])


def test_token_with_one_wrong_character_is_401(daemon_with_capture):
    d, cid = daemon_with_capture
    last = d.token[-1]
    forged = d.token[:-1] + ("A" if last != "A" else "B")
    check_error(d.request("GET", d.pcaps(), token=forged), 401, 1401)
    assert d.request("GET", d.pcaps()).status == 200


def test_read_token_reads_but_cannot_create_or_stop(daemon_with_capture):
    d, cid = daemon_with_capture
    reader = d.create_token(permission="read")
    assert d.request("GET", d.pcaps(), token=reader).status == 200
    assert d.request("GET", d.pcaps(f"/{cid}"), token=reader).json["result"]["id"] == cid
    assert d.request("GET", d.pcaps(f"/{cid}/download"), token=reader).status == 200
    body = {"type": "simple", "system": "magic-transit", "time_limit": 1, "packet_limit": 1}
    check_error(d.request("POST", d.pcaps(), body, token=reader), 403, 1402, ["write"])
    check_error(d.request("PUT", d.pcaps(f"/{cid}/stop"), token=reader), 403, 1402, ["write"])
    assert stop_recorded(d, cid) == 0
    assert [c["id"] for c in d.request("GET", d.pcaps()).json["result"]] == [cid]


def test_legacy_email_and_key(daemon_with_capture):
    d, cid = daemon_with_capture
    key = d.create_token(permission="write", email="Ops@Example.com")
    good = {"X-Auth-Email": "ops@example.com", "X-Auth-Key": key}
    r = d.request("GET", d.pcaps(f"/{cid}"), token=None, headers=good)
    assert r.status == 200 and r.json["result"]["id"] == cid
    r = d.request("PUT", d.pcaps(f"/{cid}/stop"), token=None, headers=good)
    assert r.status == 200 and r.json["result"]["id"] == cid
    # The same key is a Bearer token too.
    assert d.request("GET", d.pcaps(), token=key).status == 200
    # A key one character off (never the key itself, whatever it ends in).
    wrong = key[:-1] + ("y" if key.endswith("x") else "x")
    for headers, words in [
        ({"X-Auth-Email": "other@example.com", "X-Auth-Key": key}, ["X-Auth-Email"]),
        ({"X-Auth-Email": "ops@example.com", "X-Auth-Key": wrong}, ["X-Auth-Key"]),
        ({"X-Auth-Email": "ops@example.com", "X-Auth-Key": d.token}, ["X-Auth-Key"]),
        ({"X-Auth-Email": "ops@example.com"}, ["X-Auth-Key", "together"]),
        ({"X-Auth-Key": key}, ["X-Auth-Email", "together"]),
    ]:
        check_error(d.request("GET", d.pcaps(), token=None, headers=headers), 401, 1401, words)


def test_revoked_token_is_refused_at_once(daemon_with_capture):
    d, cid = daemon_with_capture
    extra = d.create_token(permission="read")
    assert d.request("GET", d.pcaps(), token=extra).status == 200
    token_id = extra[:16]
    listed = token_cli(d.conf, "list").stdout
    assert token_id in listed and extra not in listed, "list shows ids, never tokens"
    token_cli(d.conf, "revoke", token_id)
    check_error(d.request("GET", d.pcaps(), token=extra), 401, 1401)
    assert token_id not in token_cli(d.conf, "list").stdout
    assert token_cli(d.conf, "revoke", token_id, check=False).returncode == 1
    assert d.request("GET", d.pcaps()).status == 200, "other tokens still work"


def test_token_cli_refuses_bad_arguments(replay_daemon):
    d = replay_daemon
    for args, rc in [
        (["create", "--account", "nothex", "--permission", "write"], 2),
        (["create", "--account", ACCOUNT, "--permission", "admin"], 2),
        (["create", "--account", ACCOUNT], 2),
        (["create", "--account", ACCOUNT, "--permission", "read", "--email", "no-at-sign"], 2),
        (["create", "--account", "a" * 32, "--permission", "read"], 1),  # not configured
        (["revoke"], 2),
        (["frobnicate"], 2),
    ]:
        p = token_cli(d.conf, *args, check=False)
        assert p.returncode == rc, (args, p.stderr)
        assert p.stdout.strip() == "" or args[0] != "create", "no token printed on failure"


def test_accounts_are_isolated(daemon_with_capture):
    d, cid = daemon_with_capture
    other = d.create_token(account=OTHER_ACCOUNT, permission="write")
    r = d.create(time_limit=1, packet_limit=1)
    mine_running = r.json["result"]["id"]

    # With the other account's token, A's captures do not exist, whichever
    # account the path names; the answers equal those for an unknown id.
    for account in (ACCOUNT, OTHER_ACCOUNT):
        for real, fake in zip(endpoints(d, cid, account)[2:], endpoints(d, NO_SUCH_ID, account)[2:]):
            got = d.request(real[0], real[1], real[2], token=other)
            want = d.request(fake[0], fake[1], fake[2], token=other)
            assert got.status == want.status == 404
            assert got.json["errors"][0]["code"] == want.json["errors"][0]["code"] == 1102
            assert got.body.replace(cid.encode(), NO_SUCH_ID.encode()) == want.body
    # A's collection looks like an account that does not exist at all.
    for method, body in (("GET", None), ("POST", endpoints(d, cid)[1][2])):
        got = d.request(method, d.pcaps(), body, token=other)
        want = d.request(method, d.pcaps(account="f" * 32), body, token=other)
        check_error(got, 404, 1101)
        assert got.body.replace(ACCOUNT.encode(), b"f" * 32) == want.body
    # The other account's own list is empty, and its stop did nothing to A.
    r = d.request("GET", d.pcaps(account=OTHER_ACCOUNT), token=other)
    assert r.status == 200 and r.json["result"] == [] and r.json["result_info"]["total_count"] == 0
    assert stop_recorded(d, cid) == 0
    # And A's token sees nothing of B.
    r = d.request("POST", d.pcaps(account=OTHER_ACCOUNT), endpoints(d, cid)[1][2], token=other)
    assert r.status == 200, r.body
    bid = r.json["result"]["id"]
    check_error(d.request("GET", d.pcaps(f"/{bid}")), 404, 1102)
    check_error(d.request("GET", d.pcaps(f"/{bid}", account=OTHER_ACCOUNT)), 404, 1102)
    check_error(d.request("GET", d.pcaps(account=OTHER_ACCOUNT)), 404, 1101)
    ids = [c["id"] for c in d.request("GET", d.pcaps()).json["result"]]
    assert bid not in ids and set(ids) == {cid, mine_running}
    d.wait_status(mine_running)
