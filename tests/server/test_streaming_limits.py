"""The streamed upload decides before reading the body: no token, or a Content-Length over
the limit, is answered at once (the client need not send the body); a chunked body that
outgrows the limit is cut off with 413 as the bytes arrive. Nothing is kept either way."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from tests.server.test_datasets_api import leftovers

LIMITED = pytest.mark.parametrize("trainlab_config", [{
    "max_upload_bytes": 100_000, "run_scheduler": False, "prewarm_worker": False}], ids=["limit"])


def exchange(port: int, head: str, body_parts: list[bytes], timeout: float = 10) -> tuple[int, dict]:
    """Send the request head, then the body parts while the server still listens; return the
    answer's status and JSON (read as soon as it comes, whether or not the body was sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        sock.settimeout(0.5)
        answer = b""
        for part in [None, *body_parts]:
            try:
                chunk = sock.recv(65536)
                if chunk:
                    answer += chunk
                    break
            except TimeoutError:
                pass
            if part is not None:
                try:
                    sock.sendall(part)
                except OSError:
                    break
        sock.settimeout(timeout)
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head_text, _, body = answer.partition(b"\r\n\r\n")
    status = int(head_text.split(b" ")[1])
    if b"chunked" in head_text.lower():  # one chunk: size line, data
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    return status, json.loads(body)


def head(base: str, token: str | None, length: int | None, filename: str = "big.csv") -> str:
    lines = [f"POST {base}trainlab/api/datasets?filename={filename} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: token {token}")
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    return "\r\n".join(lines) + "\r\n\r\n"


async def call(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def until_no_leftovers(workspace_dir, timeout: float = 60.0) -> None:
    """Wait until a refused body's spool is removed (off the loop, on the thread pool): polled,
    so a slow machine only waits longer; the bound only stops a build that keeps the file."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while found := leftovers(workspace_dir):
        assert loop.time() < deadline, f"left over: {found}"
        await asyncio.sleep(0.05)


@LIMITED
async def test_no_token_is_refused_before_the_body(jp_http_port, jp_base_url, http_server, app,
                                                   workspace_dir):
    status, body = await call(exchange, jp_http_port, head(jp_base_url, None, 10**12), [])
    assert status == 403 and body["error"]["code"] == "not_authenticated"
    assert leftovers(workspace_dir) == []


@LIMITED
async def test_a_content_length_over_the_limit_is_413_before_the_body(
        jp_http_port, jp_base_url, http_server, jp_serverapp, app, workspace_dir):
    token = jp_serverapp.identity_provider.token
    status, body = await call(exchange, jp_http_port, head(jp_base_url, token, 10**12), [])
    assert status == 413 and body["error"]["code"] == "too_large"
    assert body["error"]["details"]["limit"] == 100_000
    assert leftovers(workspace_dir) == []


@LIMITED
async def test_a_chunked_body_that_outgrows_the_limit_is_cut_off(
        jp_http_port, jp_base_url, http_server, jp_serverapp, app, workspace_dir):
    token = jp_serverapp.identity_provider.token
    line = b"1,2,3\n" * 2000
    chunk = f"{len(line):x}\r\n".encode() + line + b"\r\n"
    parts = [f"{6}\r\n".encode() + b"a,b,c\n\r\n"] + [chunk] * 40
    status, body = await call(exchange, jp_http_port, head(jp_base_url, token, None), parts)
    assert status == 413 and body["error"]["code"] == "too_large"
    await until_no_leftovers(workspace_dir)  # the spool is discarded off the loop
    assert (await call(lambda: __import__("trainlab").Workspace(workspace_dir).datasets.list())) == []


@pytest.mark.parametrize("size", [1_000, 30_000_000], ids=["small", "large"])
async def test_a_full_disk_is_507_with_nothing_kept(api, monkeypatch, workspace_dir, size):
    import errno

    from trainlab.server import uploads

    real_init = uploads.Spool.__init__

    def full_disk(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        real = self.file

        class Full:
            def write(self, data):
                raise OSError(errno.ENOSPC, "No space left on device")

            def __getattr__(self, name):
                return getattr(real, name)

        self.file = Full()

    monkeypatch.setattr(uploads.Spool, "__init__", full_disk)
    code, body = await api("POST", "datasets", raw=b"a,b\n" + b"1,2\n" * (size // 4),
                           params={"filename": "t.csv"})
    assert code == 507 and body["error"]["code"] == "write_failed"
    assert "No space left" in body["error"]["message"]
    await until_no_leftovers(workspace_dir)
    assert (await api("GET", "datasets"))[1]["items"] == []


async def test_a_client_that_disconnects_mid_upload_leaves_nothing(
        jp_http_port, jp_base_url, http_server, jp_serverapp, app, workspace_dir):
    token = jp_serverapp.identity_provider.token

    def half_then_hang_up() -> list[str]:
        with socket.create_connection(("127.0.0.1", jp_http_port), timeout=10) as sock:
            sock.sendall(head(jp_base_url, token, 20_000_000).encode())
            sock.sendall(b"a,b\n" + b"1,2\n" * 1_000_000)  # 4 MB of the announced 20 MB
            for _ in range(100):  # the partial file is there while the request is open
                if leftovers(workspace_dir):
                    break
                __import__("time").sleep(0.05)
            return leftovers(workspace_dir)

    assert await call(half_then_hang_up)
    await until_no_leftovers(workspace_dir)
    assert (await call(lambda: __import__("trainlab").Workspace(workspace_dir).datasets.list())) == []
