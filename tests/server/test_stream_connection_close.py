"""A streamed upload answered before its whole body arrived says ``Connection: close``: tornado
closes such a connection after the answer, and a keep-alive client (JupyterHub's proxy) that was
not told would send its next request on it and get a reset (found by tests/hub, issue 17)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.server.test_streaming_limits import LIMITED, head


def answer_head(port: int, request_head: str, body: bytes = b"", timeout: float = 10,
                wait_close: bool = True) -> str:
    """The answer's status line and headers, and (wait_close) whether the server then closed
    the socket."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request_head.encode() + body)
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not wait_close and b"\r\n\r\n" in answer + chunk:
                return (answer + chunk).partition(b"\r\n\r\n")[0].decode()
            if not chunk:
                return answer.partition(b"\r\n\r\n")[0].decode() + "\r\n[closed]"
            answer += chunk


async def call(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@LIMITED
@pytest.mark.parametrize("case", ["no token", "over the limit"])
async def test_an_early_answer_says_the_connection_closes(
        jp_http_port, jp_base_url, http_server, jp_serverapp, app, case):
    token = None if case == "no token" else jp_serverapp.identity_provider.token
    got = await call(answer_head, jp_http_port, head(jp_base_url, token, 10**9), b"a,b\n1,2\n")
    assert got.split(" ")[1] == ("403" if case == "no token" else "413")
    assert "\r\nconnection: close\r\n" in got.lower() and got.endswith("[closed]")


@LIMITED
async def test_a_whole_body_keeps_the_connection(jp_http_port, jp_base_url, http_server, app):
    """A refusal after the whole body was read (no token on a GET) closes nothing."""
    request = f"GET {jp_base_url}trainlab/api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    got = await call(answer_head, jp_http_port, request, b"", 10, False)
    assert got.split(" ")[1] == "403" and "connection: close" not in got.lower()
