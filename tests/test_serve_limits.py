"""What one viewer can take: kernels are capped, page loads are rate-limited per client, the kernel
websocket refuses widget comms the page did not open and frames over 1 MB. Each attack is performed
against a real ``org-analytics serve`` (``--max-kernels 2``: the preheated kernel and one page), and
after each the server still serves a normal page.

Clients are told apart by their address: a client bound to 127.0.0.N reaches the server (on
127.0.0.1) from that address.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import time
import uuid
from itertools import count
from urllib.parse import urlsplit

import pytest
from attackers import V1, message, v1_frame
from browser import kernel_pids, serving

from conftest import DEFAULT_NOW, duckdb_url

PAGE = "/voila/render/org_analytics.ipynb?month=2026-03"
PAGE_LOADS_PER_MINUTE = 6
_clients = count(2)


def new_client() -> str:
    """A loopback address no earlier test used: a client with a fresh rate budget."""
    return f"127.0.0.{next(_clients)}"


@pytest.fixture(scope="module")
def server(edge_warehouse):
    env = {"ORG_ANALYTICS_NOW": DEFAULT_NOW}
    argv = ["--warehouse", duckdb_url(edge_warehouse), "--max-kernels", "2"]
    argv += ["--page-loads-per-minute", str(PAGE_LOADS_PER_MINUTE)]
    with serving(*argv, env=env) as url:
        _settle(url, 1)
        yield url


def _settle(server, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(kernel_pids(server.pid)) != n:
        assert time.monotonic() < deadline, f"expected {n} kernels, found {len(kernel_pids(server.pid))}"
        time.sleep(0.3)
    time.sleep(1.5)  # the pool's refill starts after a second


def request(server: str, path: str, source: str, method: str = "GET", headers: dict | None = None):
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=90, source_address=(source, 0))
    con.request(method, path, body=b"" if method == "POST" else None, headers=headers or {})
    response = con.getresponse()
    response.body = response.read().decode("utf-8", "replace")
    return response


def kernel_of(page) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', page.body).group(1)


def leave(server, kernel: str) -> None:
    """The page's own beacon: free its kernel; back to the pool alone."""
    answer = request(server, f"/voila/api/shutdown/{kernel}", "127.0.0.1", "POST", {"Origin": server})
    assert answer.status in (200, 204), answer.status
    _settle(server, 1)


def test_pages_over_the_kernel_cap_are_asked_to_retry(server):
    client = new_client()
    first = request(server, PAGE, client)
    assert first.status == 200
    for _ in range(3):
        busy = request(server, PAGE, new_client())
        assert busy.status == 503 and "retry in a moment" in busy.body.lower()
        assert int(busy.getheader("Retry-After")) > 0
    time.sleep(2)
    assert len(kernel_pids(server.pid)) == 2, "no kernel was started for the refused pages"
    leave(server, kernel_of(first))
    following = request(server, PAGE, new_client())
    assert following.status == 200, "a viewer left: the next page opens"
    leave(server, kernel_of(following))


def test_page_loads_over_the_rate_are_refused_per_client(server):
    client = new_client()
    answers = [request(server, PAGE, client) for _ in range(PAGE_LOADS_PER_MINUTE + 2)]
    statuses = [a.status for a in answers]
    assert statuses[0] == 200 and set(statuses[1:PAGE_LOADS_PER_MINUTE]) == {503}, statuses
    assert statuses[PAGE_LOADS_PER_MINUTE:] == [429, 429], statuses
    limited = answers[-1]
    assert "too many page loads" in limited.body.lower() and 0 < int(limited.getheader("Retry-After")) <= 61
    leave(server, kernel_of(answers[0]))
    assert request(server, PAGE, client).status == 429, "the client waits its minute"
    other = request(server, PAGE, new_client())
    assert other.status == 200, "another client is not slowed down by this one"
    leave(server, kernel_of(other))


async def _reply(ws, msg_id: str, timeout: float = 15) -> dict | None:
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = await asyncio.wait_for(ws.read_message(), timeout=deadline - time.monotonic())
        if frame is None:
            return None
        _channel, parts = deserialize_msg_from_ws_v1(frame)
        if json.loads(parts[1] or b"{}").get("msg_id") == msg_id:
            header = json.loads(parts[0])
            if header["msg_type"].endswith("_reply"):
                return json.loads(parts[3])
    return None


async def _widget_comms(ws) -> int:
    ask = message("comm_info_request", {"target_name": "jupyter.widget"})
    ws.write_message(v1_frame(ask), binary=True)
    reply = await _reply(ws, ask["header"]["msg_id"])
    return len(reply["comms"])


async def _open_a_widget_and_send_a_huge_frame(ws_url: str) -> tuple[int, int, float]:
    from tornado.websocket import WebSocketClosedError, websocket_connect

    ws = await websocket_connect(ws_url, subprotocols=[V1])
    before = await _widget_comms(ws)
    state = {
        "_model_name": "TextModel",
        "_model_module": "@jupyter-widgets/controls",
        "_model_module_version": "2.0.0",
        "_view_name": "TextView",
        "_view_module": "@jupyter-widgets/controls",
        "_view_module_version": "2.0.0",
        "value": "x" * 900_000,
    }
    opened = message(
        "comm_open",
        {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": {"state": state, "buffer_paths": []}},
    )
    opened["metadata"] = {"version": "2.1.0"}  # ipywidgets 8's protocol, else the kernel ignores it
    ws.write_message(v1_frame(opened), binary=True)
    await asyncio.sleep(2)
    after = await _widget_comms(ws)
    try:
        await ws.write_message(b"\0" * (5 * 1024 * 1024), binary=True)
    except WebSocketClosedError:
        pass  # the server hung up before the last byte
    started = time.monotonic()
    while await asyncio.wait_for(ws.read_message(), timeout=30) is not None:
        pass  # replies still in flight; then the end of the socket (a timeout fails the test)
    return before, after, time.monotonic() - started


def test_a_viewer_can_neither_open_widgets_nor_send_huge_frames(server):
    page = request(server, PAGE, new_client())
    kernel = kernel_of(page)
    before, after, closed_within = asyncio.run(
        _open_a_widget_and_send_a_huge_frame(f"ws{server[4:]}/api/kernels/{kernel}/channels")
    )
    assert before > 10, "the page's own widgets are there"
    assert after == before, "a comm_open for jupyter.widget from the browser created a widget in the kernel"
    assert closed_within < 5, (
        "a 5 MB frame closes the socket (tornado's own limit is 10 MB; malformed frames are dropped)"
    )
    leave(server, kernel)
    again = request(server, PAGE, new_client())
    assert again.status == 200 and "oa-skeleton" in again.body, "the server still serves a normal page"
    leave(server, kernel_of(again))


def test_the_rate_window_slides():
    from org_analytics_widgets.server import Limits

    limits = Limits(max_kernels=4, page_loads_per_minute=2)
    assert limits.retry_after_rate("a", now=0) is None and limits.retry_after_rate("a", now=10) is None
    assert limits.retry_after_rate("a", now=20) == 41
    assert limits.retry_after_rate("b", now=20) is None, "per client"
    assert limits.retry_after_rate("a", now=60.5) is None, "the first load left the window"


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--max-kernels", "1"], "at least 2"), (["--page-loads-per-minute", "0"], "must be positive")],
)
def test_limits_that_could_serve_no_page_fail_in_one_line(run_cli, argv, message):
    code, _out, err = run_cli(["serve", "--no-browser", *argv])
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
