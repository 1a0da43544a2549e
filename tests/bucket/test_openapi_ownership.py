"""docs/openapi.yaml describes the ownership endpoints as they answer:
every documented (operation, status) of /pcaps/ownership..., seen from the
real daemon with a real bucket, checked against the document (the rest
of the document is checked in tests/integration/test_openapi.py)."""
import functools
import importlib.util

import pytest
import yaml

from conftest import OTHER_ACCOUNT, ROOT, ownership

_spec = importlib.util.spec_from_file_location(
    "pcapd_openapi_check", ROOT / "tests" / "integration" / "test_openapi.py")
openapi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(openapi)


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())


def test_ownership_answers_match_the_document(bucket_daemon, s3server, spec):
    d = bucket_daemon(max_body_size=1024)
    c = openapi.Checker(spec)
    reader = d.create_token(permission="read")
    other = d.create_token(account=OTHER_ACCOUNT)

    call = functools.partial(c.request, d)

    conf = s3server.destination()
    assert call("GET", ownership(d)).status == 200
    o = call("POST", ownership(d), {"destination_conf": conf}).json["result"]
    token = s3server.get(f"captures/{o['filename']}").decode()
    assert call("GET", ownership(d)).status == 200
    validate = {"destination_conf": conf, "ownership_challenge": token}
    assert call("POST", ownership(d, "/validate"), validate).json["result"]["status"] == "success"
    # Errors.
    assert call("POST", ownership(d), {"destination_conf": "ftp://x"}).status == 400
    assert call("POST", ownership(d), raw=b"{" + b" " * 2000 + b"}").status == 413
    unreachable = "s3://pcaps-bucket?region=x&endpoint=http://127.0.0.1:1" \
                  "&access-key-id=S3RVER&secret-access-key=S3RVER"
    assert call("POST", ownership(d), {"destination_conf": unreachable}).status == 502
    assert call("POST", ownership(d, "/validate"), {"destination_conf": conf}).status == 400
    assert call("POST", ownership(d, "/validate"),
                dict(validate, destination_conf=s3server.destination(prefix="x"))).status == 404
    assert call("POST", ownership(d), {"destination_conf": conf}, token=reader).status == 403
    assert call("POST", ownership(d, "/validate"), validate, token=reader).status == 403
    assert call("DELETE", ownership(d, f"/{o['id']}"), token=reader).status == 403
    for method, path, body in [("GET", ownership(d), None),
                               ("POST", ownership(d), {"destination_conf": conf}),
                               ("POST", ownership(d, "/validate"), validate),
                               ("DELETE", ownership(d, f"/{o['id']}"), None)]:
        assert call(method, path, body, headers={"Authorization": "Bearer nope"}).status == 401
        assert call(method, path, body, token=other).status == 404
    assert call("DELETE", ownership(d, f"/{o['id']}")).status == 204
    assert call("DELETE", ownership(d, f"/{o['id']}")).status == 404

    documented = {(m.upper(), t, s) for t, item in spec["paths"].items()
                  for m, op in item.items() if m != "parameters" for s in op["responses"]
                  if "/ownership" in t}
    missing = {x for x in documented - c.checked if x[2] != "500"}
    assert not missing, f"documented but never checked: {sorted(missing)}"
