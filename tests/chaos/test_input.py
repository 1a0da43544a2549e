"""Faults 4 and 5: a multipart upload whose file name was not UTF-8 got a
plain-text 500 and was stored anyway; two different Content-Length headers
were accepted; HTTP-layer refusals were plain text.  Now names are cut at a
character boundary or refused, an error leaves no file, ambiguous framing
is refused and the connection closed, and every refusal is in its API's
envelope."""
import json

from chaos import check_cs_error, check_v4_error, files_under, raw_http, split_response
from pcapd_integration import ACCOUNT, PCAPS

CAPTURE = (PCAPS / "tcpdump-dns_udp.pcap").read_bytes()


def multipart(name_bytes):
    b = b"pcapdboundary"
    body = (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            name_bytes + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n" + CAPTURE +
            b"\r\n--" + b + b"--\r\n")
    return body, {"Content-Type": "multipart/form-data; boundary=pcapdboundary"}


def test_file_names(replay_daemon):
    d = replay_daemon
    uploads = d.state_dir / "uploads"
    before = files_under(uploads)
    # 200 two-byte characters: 400 bytes, cut to 254 at a character boundary.
    body, headers = multipart(("é" * 200).encode())
    r = d.request("POST", "/api/v2/upload", raw=body, headers=headers)
    assert r.status == 200, r.body
    name = json.loads(r.body)["data"]["filename"]
    assert name == "é" * 127 and len(name.encode()) == 254
    after_ok = files_under(uploads)
    assert len(after_ok) == len(before) + 1
    # Not UTF-8: refused, and nothing stored.
    for bad in (b"caf\xe9.pcap", b"\xc3\x28.pcap", b"\xed\xa0\x80.pcap", b"\xf4\x90\x80\x80"):
        body, headers = multipart(bad)
        r = d.request("POST", "/api/v2/upload", raw=body, headers=headers)
        assert "UTF-8" in check_cs_error(r.status, r.body, 400)
    # Not a capture, or a part never closed: refused, nothing stored.
    body, headers = multipart(b"x.pcap")
    r = d.request("POST", "/api/v2/upload", raw=body.replace(CAPTURE[:4], b"NOPE"), headers=headers)
    check_cs_error(r.status, r.body, 400)
    r = d.request("POST", "/api/v2/upload", raw=body[:-20], headers=headers)
    check_cs_error(r.status, r.body, 400)
    assert files_under(uploads) == after_ok


def test_ambiguous_framing_is_refused_and_the_connection_closed(replay_daemon):
    d = replay_daemon
    auth = f"Authorization: Bearer {d.token}\r\n".encode()
    path = f"/client/v4/accounts/{ACCOUNT}/pcaps".encode()
    smuggled = b"GET /client/v4/accounts/x/pcaps HTTP/1.1\r\nHost: x\r\n\r\n"
    for framing in (b"Content-Length: 2\r\nContent-Length: 58\r\n",
                    b"Content-Length: 2\r\ncontent-length: 2\r\n",
                    b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"):
        raw = raw_http(d.base_url, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth +
                       framing + b"\r\n{}" + smuggled)
        status, headers, body = split_response(raw)
        # With Transfer-Encoding, h2o reads the body as chunked and refuses
        # its framing itself; either way the answer is 1011.
        msg = check_v4_error(status, body, 400, 1011)
        assert any(w in msg for w in ("several Content-Length", "Transfer-Encoding", "framing"))
        assert headers["connection"] == "close"
        assert raw.count(b"HTTP/1.1 ") == 1, raw  # the smuggled request was never read
    raw = raw_http(d.base_url, b"POST /api/v2/upload HTTP/1.1\r\nHost: x\r\n" + auth +
                   b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef")
    status, _, body = split_response(raw)
    check_cs_error(status, body, 400)


def test_http_layer_refusals_use_the_envelope(replay_daemon):
    d = replay_daemon
    auth = f"Authorization: Bearer {d.token}\r\n".encode()
    path = f"/client/v4/accounts/{ACCOUNT}/pcaps".encode()
    # Larger than the HTTP layer reads: refused before the body is read.
    raw = raw_http(d.base_url, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth +
                   b"Content-Length: 999999999\r\n\r\n")
    status, headers, body = split_response(raw)
    check_v4_error(status, body, 413, 1001)
    assert headers["content-type"] == "application/json"
    raw = raw_http(d.base_url, b"POST /api/v2/upload HTTP/1.1\r\nHost: x\r\n" + auth +
                   b"Content-Length: 999999999\r\n\r\n")
    status, _, body = split_response(raw)
    assert "max_upload_mb" in check_cs_error(status, body, 413)
    # A chunked body that breaks its framing.
    for p in (path, b"/api/v2/upload"):
        raw = raw_http(d.base_url, b"POST " + p + b" HTTP/1.1\r\nHost: x\r\n" + auth +
                       b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
        status, _, body = split_response(raw)
        if p == path:
            check_v4_error(status, body, 400, 1011)
        else:
            check_cs_error(status, body, 400)
