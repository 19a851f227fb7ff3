"""A resumable upload's part that is longer than its Content-Range, sent chunked, is answered
in the JSON error format (tornado's own cap answered a bare 400 with an empty body), and the
upload is left where it was (issue 14, section 2, item 8)."""

from __future__ import annotations

import asyncio

import pytest

from tests.server.test_streaming_limits import call, exchange


def put_head(base: str, token: str, upload_id: str, content_range: str) -> str:
    return "\r\n".join([f"PUT {base}trainlab/api/datasets/uploads/{upload_id} HTTP/1.1",
                        "Host: 127.0.0.1", f"Authorization: token {token}",
                        f"Content-Range: {content_range}", "Transfer-Encoding: chunked"]) + "\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@pytest.mark.parametrize("sent", [11, 5000, 200_000])
async def test_a_chunked_part_longer_than_its_content_range_is_a_json_400(
        api, jp_http_port, jp_base_url, http_server, jp_serverapp, app, sent):
    code, upload = await api("POST", "datasets/uploads", {"filename": "a.csv", "size": 400_000})
    assert code == 201
    token = jp_serverapp.identity_provider.token
    data = b"x" * sent
    parts = [chunk(data[i:i + 4096]) for i in range(0, len(data), 4096)] + [b"0\r\n\r\n"]
    status, body = await call(exchange, jp_http_port,
                              put_head(jp_base_url, token, upload["id"], "bytes 0-9/400000"), parts)
    assert status == 400, body
    assert body["error"]["code"] == "bad_content_range"
    assert body["error"]["details"]["received"] > 10
    code, now = await api("GET", f"datasets/uploads/{upload['id']}")
    assert code == 200 and now["offset"] == 0
    # and the upload goes on from where it was (once the cut part is discarded, off the loop)
    for _ in range(100):
        code, now = await api("PUT", f"datasets/uploads/{upload['id']}", raw=b"a,b\n1,2\n3,",
                              headers={"Content-Range": "bytes 0-9/400000"})
        if code != 409:
            break
        await asyncio.sleep(0.05)
    assert code == 200 and now["offset"] == 10, now
