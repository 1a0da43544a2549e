"""docs/openapi.yaml describes the API as it is: real answers of the daemon,
for every endpoint and every documented status, are checked against the
operation, status, media type, headers and schema the document gives; and
the error codes of the code, the OpenAPI document and docs/API.md agree."""
import copy
import functools
import re
import time

import jsonschema
import pytest
import yaml

from conftest import OTHER_ACCOUNT, ROOT

SPEC_PATH = ROOT / "docs" / "openapi.yaml"


@pytest.fixture(scope="module")
def spec():
    doc = yaml.safe_load(SPEC_PATH.read_text())
    assert doc["openapi"].startswith("3.0")
    return doc


def to_json_schema(node):
    """Turns an OpenAPI 3.0 schema into JSON Schema (draft 7): `nullable`
    becomes a "null" type, component references point at definitions."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/definitions/")
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


class Checker:
    """Validates responses against the document."""

    def __init__(self, doc):
        self.doc = doc
        self.definitions = to_json_schema(doc["components"]["schemas"])
        self.checked = set()

    def resolve(self, node):
        while "$ref" in node:
            parts = node["$ref"].lstrip("#/").split("/")
            node = self.doc
            for p in parts:
                node = node[p]
        return node

    def operation(self, method, path):
        """The (template, operation) of the documented path `path` matches."""
        path = path.split("?")[0]
        for template, item in self.doc["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, path):
                assert method.lower() in item, f"{method} {template} is not documented"
                return template, item[method.lower()]
        raise AssertionError(f"{path} is not documented")

    def validate(self, instance, schema):
        root = dict(to_json_schema(schema), definitions=self.definitions)
        jsonschema.Draft7Validator(root).validate(instance)

    def request(self, d, method, path, body=None, raw=None, token=None, headers=None):
        """Sends a request to daemon `d` (its own token unless `token`) and
        checks the answer; returns it."""
        kw = {} if token is None else {"token": token}
        r = d.request(method, path, body, raw=raw, headers=headers, **kw)
        self.check(method, path, r, body)
        return r

    def check(self, method, path, r, request=None):
        """Checks response `r` of `method path` against the document; a
        request body that was accepted must match the documented one."""
        template, op = self.operation(method, path)
        if request is not None and r.status == 200:
            self.validate(request, op["requestBody"]["content"]["application/json"]["schema"])
        status = str(r.status)
        assert status in op["responses"], f"{method} {template}: {status} is not documented"
        resp = self.resolve(op["responses"][status])
        if "content" not in resp:
            assert r.body == b"", f"{method} {template} {status}: an undocumented body"
            self.checked.add((method, template, status))
            return
        ctype = r.headers["content-type"].split(";")[0]
        assert ctype in resp["content"], f"{method} {template} {status}: {ctype} not documented"
        for name, header in resp.get("headers", {}).items():
            assert name.lower() in r.headers or not header.get("required"), \
                f"{method} {template} {status}: no {name} header"
        schema = resp["content"][ctype]["schema"]
        if ctype == "application/json":
            self.validate(r.json, schema)
        else:
            assert schema == {"type": "string", "format": "binary"}
            if "content-length" in r.headers:
                assert int(r.headers["content-length"]) == len(r.body)
        self.checked.add((method, template, status))


def wait_ended(d, cid):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = d.request("GET", d.pcaps(f"/{cid}"))
        if r.json["result"]["status"] in ("success", "failed"):
            return r
        time.sleep(0.05)
    raise AssertionError("capture did not end")


def test_real_responses_match_the_document(daemon_factory, spec):
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"],
                       extra={"simple_rate_window": 60, "max_captures": 2,
                              "max_body_size": 1024})
    c = Checker(spec)
    reader = d.create_token(permission="read")
    other = d.create_token(account=OTHER_ACCOUNT)

    call = functools.partial(c.request, d)

    simple = {"type": "simple", "system": "magic-transit", "time_limit": 300,
              "packet_limit": 5, "filter_v1": {"source_address": "10.0.0.0/8", "protocol": 250}}
    full = {"type": "full", "system": "magic-transit", "time_limit": 300, "colo_name": "local",
            "byte_limit": 100000, "packet_limit": 10,
            "filter_v1": {"protocol": 250}}
    s = call("POST", d.pcaps(), simple).json["result"]
    f = call("POST", d.pcaps(), full).json["result"]
    assert call("POST", d.pcaps(), simple).status == 429
    assert call("POST", d.pcaps(), full).status == 409
    assert call("POST", d.pcaps(account=OTHER_ACCOUNT), simple, token=other).status == 503
    assert call("GET", d.pcaps(f"/{f['id']}/download")).status == 409
    assert call("GET", d.pcaps(f"/{s['id']}")).status == 200
    assert call("GET", d.pcaps("/history"), token=reader).status == 200
    assert call("PUT", d.pcaps(f"/{f['id']}/stop")).status == 200
    assert call("PUT", d.pcaps(f"/{s['id']}/stop")).status == 200
    wait_ended(d, f["id"])
    wait_ended(d, s["id"])
    failed_list = call("GET", d.pcaps("?page=1&per_page=1"))
    assert failed_list.status == 200 and failed_list.json["result_info"]["total_count"] == 2
    assert call("GET", d.pcaps()).status == 200
    assert call("GET", d.pcaps(f"/{f['id']}")).status == 200
    assert call("GET", d.pcaps(f"/{s['id']}/download")).status == 200
    assert call("GET", d.pcaps(f"/{f['id']}/download")).status == 200
    assert call("PUT", d.pcaps(f"/{s['id']}/stop")).status == 200
    # Errors.
    assert call("GET", d.pcaps("?per_page=0")).status == 400
    assert call("POST", d.pcaps(), dict(simple, time_limit=0)).status == 400
    assert call("POST", d.pcaps(), raw=b"{" + b" " * 2000 + b"}").status == 413
    assert call("POST", d.pcaps(), simple, token=reader).status == 403
    assert call("PUT", d.pcaps(f"/{s['id']}/stop"), token=reader).status == 403
    # An appliance alone has no fleet to list.
    assert call("GET", d.pcaps("/appliances")).json["errors"][0]["code"] == 1100
    for method, path in [("GET", d.pcaps()), ("POST", d.pcaps()), ("GET", d.pcaps(f"/{s['id']}")),
                         ("GET", d.pcaps("/history")), ("GET", d.pcaps(f"/{s['id']}/download")),
                         ("GET", d.pcaps("/appliances")),
                         ("PUT", d.pcaps(f"/{s['id']}/stop"))]:
        assert call(method, path, simple if method == "POST" else None,
                    headers={"Authorization": "Bearer nope"}).status == 401
        assert call(method, path, simple if method == "POST" else None,
                    token=other).status == 404
    assert call("GET", d.pcaps("/" + "0" * 32)).status == 404
    # The error envelope describes the answers outside any operation too.
    for path, status in [("/client/v4/nothing", 404), (d.pcaps(), 405)]:
        r = d.request("DELETE", path)
        assert r.status == status
        c.validate(r.json, {"$ref": "#/components/schemas/ErrorEnvelope"})

    # Every documented (operation, status) pair was seen, except internal
    # errors, which a healthy daemon cannot be made to give, the ownership
    # endpoints, which need a bucket (tests/bucket checks those), and a
    # fleet's answers, which need a fleet (tests/fleet checks those).
    documented = {(m.upper(), t, s) for t, item in spec["paths"].items()
                  for m, op in item.items() if m != "parameters" for s in op["responses"]
                  if "/ownership" not in t and not (t.endswith("/appliances") and
                                                    s in ("200", "503"))}
    missing = {x for x in documented - c.checked if x[2] != "500"}
    assert not missing, f"documented but never checked: {sorted(missing)}"


def test_lookback_responses_match_the_document(daemon_factory, spec):
    """A look-back capture whose window begins before the history (its
    messages entry), the capture once ended (offset_time), and the history
    endpoint, as the document describes them."""
    sample = ROOT / "config" / "sample-traffic.pcap"
    d = daemon_factory([f"net_pcap0,rx_pcap={sample},infinite_rx=1"],
                       extra={"history_sample_rate": 10000})
    c = Checker(spec)
    deadline = time.monotonic() + 30
    while True:
        r = d.request("GET", d.pcaps("/history"))
        c.check("GET", d.pcaps("/history"), r)
        if r.json["result"]["packets"] > 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    oldest = r.json["result"]["oldest"]
    body = {"type": "simple", "system": "magic-transit", "time_limit": 60, "packet_limit": 5,
            "offset_time": oldest}
    r = d.request("POST", d.pcaps(), body)
    c.check("POST", d.pcaps(), r, body)
    assert r.status == 200 and r.json["messages"][0]["code"] == 2000, r.body
    done = wait_ended(d, r.json["result"]["id"])
    c.check("GET", d.pcaps(f"/{r.json['result']['id']}"), done)
    assert done.json["result"]["offset_time"] == oldest


def test_schemas_reject_what_the_daemon_never_sends(spec):
    """The schemas are strict enough to catch a wrong answer."""
    c = Checker(spec)
    good = {"result": {"id": "0" * 32, "submitted": "2024-01-01T00:00:00Z", "type": "simple",
                       "system": "magic-transit", "status": "running", "time_limit": 5,
                       "filter_v1": {}, "packet_limit": 5, "packets_remaining": 5,
                       "packets_captured": 0, "packets_dropped": 0},
            "success": True, "errors": [], "messages": []}
    schema = {"$ref": "#/components/schemas/CaptureEnvelope"}
    c.validate(good, schema)
    for mutate in (lambda g: g["result"].pop("id"),
                   lambda g: g["result"].update(status="done"),
                   lambda g: g["result"].update(colour="red"),
                   lambda g: g["result"].update(type="full"),
                   lambda g: g["result"].update(time_limit="5"),
                   lambda g: g.update(success=False)):
        bad = copy.deepcopy(good)
        mutate(bad)
        with pytest.raises(jsonschema.ValidationError):
            c.validate(bad, schema)
    with pytest.raises(jsonschema.ValidationError):
        c.validate({"result": None, "success": False, "errors": [{"code": 42, "message": "x"}],
                    "messages": []}, {"$ref": "#/components/schemas/ErrorEnvelope"})


def test_error_codes_agree_everywhere(spec):
    """Each code of control/api_errors.h is in the OpenAPI enum and in the
    table of docs/API.md, and nothing else is."""
    header = (ROOT / "control" / "api_errors.h").read_text()
    in_code = {int(x) for x in re.findall(r"API_ERR_\w+ = (\d+),", header)}
    in_spec = set(spec["components"]["schemas"]["ErrorCode"]["enum"])
    api_md = (ROOT / "docs" / "API.md").read_text()
    in_docs = {int(x) for x in re.findall(r"^\| (\d{4}) \| \d{3} \|", api_md, re.M)}
    assert in_code and in_code == in_spec == in_docs, (in_code ^ in_spec, in_code ^ in_docs)
    assert all(code >= 1000 for code in in_code)
