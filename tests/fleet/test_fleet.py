"""One capture across a fleet of appliances coordinated through a real
PostgreSQL (docs/FLEET.md): three daemons on the kernel path, each sent
its own traffic; tshark on what each was sent is the oracle."""
import struct
import threading
import time

import harness
import yaml
from conftest import (OTHER_ACCOUNT, bucket_fixtures, pcapd_daemon, wait_fleet, wait_for,
                      wait_token)
from test_openapi import SPEC_PATH, Checker

# The fleet's answers are checked against docs/openapi.yaml.
CHECK = Checker(yaml.safe_load(SPEC_PATH.read_text()))
token_cli = pcapd_daemon.token_cli

UDP53 = ({"protocol": 17, "destination_port": 53}, "udp.dstport==53")


def create(app, token, **fields):
    body = {"type": "simple", "system": "magic-transit", "time_limit": 30,
            "packet_limit": 10000}
    body.update(fields)
    r = CHECK.request(app.d, "POST", app.d.pcaps(), body, token=token)
    assert r.status == 200, r.body
    return r.json["result"]


def get(app, token, capture_id):
    """The capture as `app` shows it, or None while the store cannot answer."""
    r = app.d.request("GET", app.d.pcaps(f"/{capture_id}"), token=token)
    if r.status == 503:
        return None
    assert r.status == 200, r.body
    CHECK.check("GET", app.d.pcaps(f"/{capture_id}"), r)
    return r.json


def wait_targets(app, token, capture_id, state, n):
    """Waits until `n` appliances of the capture are in `state`."""
    def ok():
        j = get(app, token, capture_id)
        return j and sum(a["status"] == state for a in j["result"]["appliances"]) == n
    wait_for(f"{n} appliances {state}", ok, 20)


def wait_end(app, token, capture_id, timeout=40):
    def ended():
        j = get(app, token, capture_id)
        return j if j and j["result"]["status"] in ("success", "failed") else None
    return wait_for(f"capture {capture_id} to end", ended, timeout)


def send_all(apps, rate=1500):
    """Sends every appliance its traffic at once (one thread each)."""
    threads = [threading.Thread(target=a.send, args=(rate,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def expected(app, display_filter):
    """Marker indexes of the frames of `app`'s traffic tshark selects."""
    return [harness.frame_index(app.frames[i])
            for i in harness.tshark_frames(app.sent, display_filter)]


def download(app, token, capture_id, tmp_path):
    r = CHECK.request(app.d, "GET", app.d.pcaps(f"/{capture_id}/download"), token=token)
    assert r.status == 200, r.body
    path = tmp_path / f"{capture_id}-{app.name}.pcap"
    path.write_bytes(r.body)
    return harness.read_pcap(path)


def check_union(recs, apps, display_filter):
    """The merged records are exactly the union of what tshark selects from
    each appliance's traffic, each appliance's in its own order, all in
    time order."""
    got = [harness.frame_index(r[3]) for r in recs]
    for a in apps:
        k = int(a.name.rsplit("a", 1)[1])
        mine = [i for i in got if i // 1000 == k]
        assert mine == expected(a, display_filter), a.name
    assert sorted(got) == sorted(i for a in apps for i in expected(a, display_filter))
    times = [r[0] for r in recs]
    assert times == sorted(times), "the merged file is in time order"


def test_capture_on_every_appliance_merged_in_time_order(fleet, tmp_path):
    """Created on appliance 1, stopped on appliance 2, downloaded from
    appliance 3: one time-ordered pcap, the union of what tshark selects
    from each appliance's traffic; packets_captured is the fleet total and
    each appliance's status is listed."""
    apps = fleet(3)
    token = apps[0].d.token
    wait_fleet(apps)
    listed = CHECK.request(apps[2].d, "GET", apps[2].d.pcaps("/appliances"),
                           token=token).json["result"]
    assert {(a["name"], a["site"], a["capture_path"]) for a in listed} == \
        {(a.name, f"site{k + 1}", "kernel") for k, a in enumerate(apps)}
    c = create(apps[0], token, filter_v1=UDP53[0])
    assert c["status"] in ("pending", "running")
    assert sorted(a["name"] for a in c["appliances"]) == sorted(a.name for a in apps)
    wait_targets(apps[1], token, c["id"], "running", 3)
    send_all(apps)
    time.sleep(0.5)
    r = CHECK.request(apps[1].d, "PUT", apps[1].d.pcaps(f"/{c['id']}/stop"), token=token)
    assert r.status == 200, r.body
    done = wait_end(apps[2], token, c["id"])
    res = done["result"]
    assert res["status"] == "success", res
    assert done["messages"] == []
    counts = {a.name: len(expected(a, UDP53[1])) for a in apps}
    assert all(n > 0 for n in counts.values())
    assert res["packets_captured"] == sum(counts.values())
    assert {a["name"]: (a["status"], a["packets_captured"]) for a in res["appliances"]} == \
        {n: ("done", v) for n, v in counts.items()}
    _, recs = download(apps[2], token, c["id"], tmp_path)
    check_union(recs, apps, UDP53[1])
    # Every appliance lists it, and serves the same bytes.
    page = CHECK.request(apps[1].d, "GET", apps[1].d.pcaps(), token=token).json
    assert [x["id"] for x in page["result"]] == [c["id"]]
    assert page["result_info"]["total_count"] == 1
    assert download(apps[0], token, c["id"], tmp_path)[1] == recs


def parts_of(postgres, db, capture_id):
    """The parts stored for a capture: {appliance: [(ts, data)]}, times
    corrected by each part's clock offset as the merge corrects them."""
    rows = postgres.psql(db, "SELECT p.appliance, p.clock_offset_ns, encode(coalesce((SELECT"
                             " string_agg(c.data, ''::bytea ORDER BY c.n) FROM fleet_part_chunks c"
                             " WHERE c.capture_id = p.capture_id AND c.appliance = p.appliance"
                             " AND c.seq = p.seq), ''), 'hex') FROM fleet_parts p"
                             f" WHERE p.capture_id = '{capture_id}'")
    out = {}
    for name, offset, hexdata in rows:
        data = bytes.fromhex(hexdata)
        recs, off = [], 24
        while off < len(data):
            sec, nsec, caplen, _ = struct.unpack_from("<IIII", data, off)
            recs.append((sec * 10**9 + nsec + int(offset), data[off + 16:off + 16 + caplen]))
            off += 16 + caplen
        out[name] = recs
    return out


def test_packet_limit_is_fleet_wide(fleet, postgres, tmp_path):
    """packet_limit holds for the fleet: the capture stops when the
    appliances together reach it, and the download is the earliest
    packet_limit packets of all the parts."""
    apps = fleet(3)
    token = apps[0].d.token
    wait_fleet(apps)
    c = create(apps[0], token, packet_limit=60)
    wait_targets(apps[0], token, c["id"], "running", 3)
    send_all(apps, rate=400)
    res = wait_end(apps[2], token, c["id"], timeout=20)["result"]
    assert res["status"] == "success" and res["packets_captured"] == 60, res
    parts = parts_of(postgres, fleet.db, c["id"])
    assert sum(len(p) for p in parts.values()) >= 60
    assert sum(len(p) for p in parts.values()) < 3 * 216, "the fleet stopped before the end"
    union = sorted((r for p in parts.values() for r in p), key=lambda r: r[0])
    _, recs = download(apps[1], token, c["id"], tmp_path)
    assert [r[0] for r in recs] == [r[0] for r in union[:60]]
    assert sorted(r[3] for r in recs) == sorted(r[1] for r in union[:60])


def test_killed_appliance_is_named_and_the_others_finish(fleet, tmp_path):
    """kill -9 of one appliance mid-capture: its lease expires, the capture
    ends with the others' parts, and both a `messages` entry and its
    per-appliance status name it."""
    apps = fleet(3)
    token = apps[0].d.token
    wait_fleet(apps)
    c = create(apps[0], token, time_limit=7, filter_v1=UDP53[0])
    wait_targets(apps[0], token, c["id"], "running", 3)
    send_all(apps)
    victim = apps[1]
    victim.d.proc.kill()
    victim.d.proc.wait(10)
    done = wait_end(apps[2], token, c["id"], timeout=30)
    res = done["result"]
    assert res["status"] == "success", res
    status = {a["name"]: a for a in res["appliances"]}
    assert status[victim.name]["status"] == "lost"
    assert [m["code"] for m in done["messages"]] == [2001]
    assert victim.name in done["messages"][0]["message"]
    assert "lease expired" in done["messages"][0]["message"]
    alive = [apps[0], apps[2]]
    assert res["packets_captured"] == sum(len(expected(a, UDP53[1])) for a in alive)
    _, recs = download(apps[0], token, c["id"], tmp_path)
    check_union(recs, alive, UDP53[1])


def test_database_restart_mid_capture(fleet, postgres, tmp_path):
    """The database restarts mid-capture: the appliances keep capturing,
    reconnect, and the capture completes with every appliance's part."""
    apps = fleet(3)
    token = apps[0].d.token
    wait_fleet(apps)
    c = create(apps[0], token, time_limit=8, filter_v1=UDP53[0])
    wait_targets(apps[0], token, c["id"], "running", 3)
    postgres.stop()
    r = apps[2].d.request("GET", apps[2].d.pcaps(f"/{c['id']}"), token=token)
    assert r.status == 503 and r.headers.get("retry-after") == "1", r.body
    send_all(apps)
    time.sleep(1)
    postgres.start()
    done = wait_end(apps[2], token, c["id"], timeout=30)
    res = done["result"]
    assert res["status"] == "success" and done["messages"] == [], done
    assert {a["status"] for a in res["appliances"]} == {"done"}
    assert res["packets_captured"] == sum(len(expected(a, UDP53[1])) for a in apps)
    _, recs = download(apps[1], token, c["id"], tmp_path)
    check_union(recs, apps, UDP53[1])
    for a in apps:
        assert "fleet_store_down" in a.d.log() and "fleet_store_up" in a.d.log()


def test_two_appliances_start_at_once_on_an_empty_database(fleet, postgres):
    """Two appliances started together on an empty database both come up:
    the migrations serialise under the advisory lock."""
    started = []
    threads = [threading.Thread(target=lambda k=k: started.extend(fleet(1, first=k)))
               for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(started) == 2
    wait_fleet(sorted(started, key=lambda a: a.name))
    assert postgres.psql(fleet.db, "SELECT version FROM fleet_schema ORDER BY 1") == \
        [["1"], ["2"], ["3"]]
    for a in started:
        assert "fleet_store_connected" in a.d.log()


def test_token_made_or_revoked_on_one_appliance_is_so_on_all(fleet):
    """A token made on appliance 1 works on every appliance; revoked with
    `pcapd token revoke` on appliance 2, it is refused by every appliance
    within a few seconds, and the token sync does not bring it back."""
    apps = fleet(3)
    token = apps[0].d.token
    wait_fleet(apps)
    p = token_cli(apps[1].d.conf, "revoke", token[:16])
    assert "revoked in the fleet" in p.stderr, p.stderr
    wait_for("the token refused everywhere", lambda: all(
        a.d.request("GET", a.d.pcaps(), token=token).status == 401 for a in apps), 15)
    time.sleep(3)  # a token sync later, still refused
    assert all(a.d.request("GET", a.d.pcaps(), token=token).status == 401 for a in apps)
    # The appliances' own tokens still work.
    assert all(a.d.request("GET", a.d.pcaps()).status == 200 for a in apps[1:])


def test_admission_is_fleet_wide(fleet):
    """The simple-capture rate window and max_captures hold for the fleet:
    a second capture of the account on another appliance is refused (429
    with Retry-After), and another account's beyond max_captures too
    (503)."""
    apps = fleet(2, simple_rate_window=60, max_captures=1)
    token = apps[0].d.token
    wait_fleet(apps)
    first = create(apps[0], token, filter_v1=UDP53[0])
    body = {"type": "simple", "system": "magic-transit", "time_limit": 30, "packet_limit": 10}
    r = CHECK.request(apps[1].d, "POST", apps[1].d.pcaps(), body, token=token)
    assert r.status == 429 and r.json["errors"][0]["code"] == 1301, r.body
    assert 0 < int(r.headers["retry-after"]) <= 60
    assert "across the fleet" in r.json["errors"][0]["message"]
    other = apps[0].d.create_token(account=OTHER_ACCOUNT)
    wait_token(apps[1], other)
    r = CHECK.request(apps[1].d, "POST", apps[1].d.pcaps(account=OTHER_ACCOUNT), body,
                      token=other)
    assert r.status == 503 and r.json["errors"][0]["code"] == 1300, r.body
    assert "max_captures" in r.json["errors"][0]["message"]
    CHECK.request(apps[0].d, "PUT", apps[0].d.pcaps(f"/{first['id']}/stop"), token=token)
    assert wait_end(apps[1], token, first["id"])["result"]["status"] == "success"


def test_full_capture_runs_at_its_site_each_appliance_uploading_its_file(fleet, s3server,
                                                                          tmp_path):
    """A full capture created on the appliance of another site runs only on
    the two appliances whose site is its colo_name; each uploads its own
    file to the bucket, named with the appliance, and the capture lists
    each one's progress and object.  A site no live appliance has is
    refused."""
    delivery = bucket_fixtures.delivery_config(s3server)
    edge = fleet(2, site="edge-a", **delivery)
    other = fleet(1, first=3, **delivery)[0]
    apps = [*edge, other]
    for a in apps:
        s3server.reach(a)
    token = other.d.token
    wait_fleet([other, *edge])
    conf = s3server.destination()
    bucket_fixtures.validate_bucket(other.d, s3server, conf)
    body = {"type": "full", "system": "magic-transit", "time_limit": 30, "colo_name": "edge-b",
            "destination_conf": conf}
    r = CHECK.request(other.d, "POST", other.d.pcaps(), body, token=token)
    assert r.status == 400 and "edge-b" in r.json["errors"][0]["message"], r.body
    c = create(other, token, type="full", colo_name="edge-a", destination_conf=conf,
               filter_v1=UDP53[0])
    assert sorted(a["name"] for a in c["appliances"]) == sorted(a.name for a in edge)
    # One full capture per account across the fleet.
    r = CHECK.request(other.d, "POST", other.d.pcaps(), body | {"colo_name": "edge-a"},
                      token=token)
    assert r.status == 409 and r.json["errors"][0]["code"] == 1201, r.body
    wait_targets(other, token, c["id"], "running", 2)
    send_all(apps)
    time.sleep(0.5)
    r = CHECK.request(edge[1].d, "PUT", edge[1].d.pcaps(f"/{c['id']}/stop"), token=token)
    assert r.status == 200, r.body
    done = wait_end(other, token, c["id"], timeout=90)
    res = done["result"]
    assert res["status"] == "success" and res["type"] == "full", res
    assert done["messages"] == []
    total = 0
    for t in res["appliances"]:
        app = next(a for a in edge if a.name == t["name"])
        key = f"captures/pcap_{c['id']}_{app.name}.pcap"
        assert (t["status"], t["local_status"], t["object"]) == \
            ("done", "success", f"s3://{bucket_fixtures.BUCKET}/{key}"), t
        obj = tmp_path / f"{app.name}.pcap"
        obj.write_bytes(s3server.get(key))
        _, recs = harness.read_pcap(obj)
        # The object holds this appliance's traffic only, as tshark selects it.
        assert [harness.frame_index(x[3]) for x in recs] == expected(app, UDP53[1]), app.name
        assert t["packets_captured"] == len(recs) > 0
        total += len(recs)
    assert res["packets_captured"] == total
    assert s3server.get(f"captures/pcap_{c['id']}_{other.name}.pcap") is None
    assert f"event=fleet_target_claimed capture={c['id']}" not in other.d.log()
    r = CHECK.request(other.d, "GET", other.d.pcaps(f"/{c['id']}/download"), token=token)
    assert r.status == 409 and r.json["errors"][0]["code"] == 1202, r.body


def test_list_and_retention_are_fleet_wide(fleet, postgres):
    """The list shows each capture with its own appliances (one statement
    for the page's captures, one for all their targets); ended captures
    expire fleet-wide after retention_seconds, their targets and parts
    with them, while a running one stays."""
    apps = fleet(2, retention_seconds=4, simple_rate_window=0)
    token = apps[0].d.token
    wait_fleet(apps)
    first = create(apps[0], token, filter_v1=UDP53[0])
    wait_targets(apps[0], token, first["id"], "running", 2)
    CHECK.request(apps[0].d, "PUT", apps[0].d.pcaps(f"/{first['id']}/stop"), token=token)
    wait_end(apps[1], token, first["id"])
    second = create(apps[1], token, filter_v1=UDP53[0], time_limit=300)
    wait_targets(apps[0], token, second["id"], "running", 2)
    page = CHECK.request(apps[1].d, "GET", apps[1].d.pcaps(), token=token).json
    assert [x["id"] for x in page["result"]] == [second["id"], first["id"]]
    assert [sorted((a["name"], a["status"]) for a in x["appliances"]) for x in page["result"]] == \
        [sorted((a.name, "running") for a in apps), sorted((a.name, "done") for a in apps)]
    assert page["result_info"]["total_count"] == 2

    def gone():
        r = apps[1].d.request("GET", apps[1].d.pcaps(f"/{first['id']}"), token=token)
        return r.status == 404
    wait_for("the ended capture to expire", gone, 30)
    for table in ("fleet_targets", "fleet_parts", "fleet_part_chunks"):
        rows = postgres.psql(fleet.db, f"SELECT count(*) FROM {table}"
                                       f" WHERE capture_id = '{first['id']}'")
        assert rows == [["0"]], table
    assert "event=fleet_retention deleted=1" in "".join(a.d.log() for a in apps)
    assert get(apps[0], token, second["id"])["result"]["status"] == "running"
    page = CHECK.request(apps[0].d, "GET", apps[0].d.pcaps(), token=token).json
    assert [x["id"] for x in page["result"]] == [second["id"]]
