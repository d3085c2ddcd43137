"""Viewers of the served app: hostile names stay text, and nobody can run code through the kernel."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from datetime import datetime
from urllib.request import urlopen

import duckdb
import pytest

from attackers import V1, message, v1_frame
from browser import browser_page, serving, wait_ready

XSS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "\"'><svg onload=window.__xss='svg'>",
    "javascript:window.__xss='href'",
    "مشروع ‮evil‬ 🚀",
    '=HYPERLINK("http://x")',
]
LONG = "L" * 10_000


@pytest.fixture(scope="module")
def hostile_warehouse(tmp_path_factory):
    """Projects, agents, models and a service type with hostile names; colours that are not #RRGGBB."""
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE projects (project_id VARCHAR, name VARCHAR, color VARCHAR, monthly_budget DOUBLE,
                               created_at TIMESTAMP, archived_at TIMESTAMP);
        CREATE TABLE agents (agent_id VARCHAR, project_id VARCHAR, name VARCHAR);
        CREATE TABLE usage_requests (request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR, service_type VARCHAR,
            model VARCHAR, agent_id VARCHAR, conversation_id VARCHAR, input_tokens BIGINT, output_tokens BIGINT,
            cost DOUBLE, status VARCHAR);
        CREATE TABLE usage_items (item_id VARCHAR, request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR,
            agent_id VARCHAR, service_type VARCHAR, model VARCHAR, pricing_rule VARCHAR, quantity DOUBLE, unit VARCHAR,
            unit_price DOUBLE, cost DOUBLE);
    """)
    names = [*XSS, LONG]
    colors = ["red;background:url(javascript:alert(1))", "#12345", '"><script>', None, "#ABCDEF", "blue", "#000000"]
    for k, name in enumerate(names):
        pid = f'p{k}"<b>'
        con.execute("INSERT INTO projects VALUES (?, ?, ?, 10, TIMESTAMP '2026-01-01', NULL)", [pid, name, colors[k]])
        con.execute("INSERT INTO agents VALUES (?, ?, ?)", [f"a{k}' OR 1=1 --", pid, name])
        when = datetime(2026, 3, 2 + k, 12)
        svc = "agent" if k % 2 else "<b onmouseover=window.__xss='svc'>svc</b>"
        con.execute(
            "INSERT INTO usage_requests VALUES (?, ?, ?, ?, ?, ?, ?, 10, 5, 1.0, 'success')",
            [f"req{k}", when, pid, svc, name, f"a{k}' OR 1=1 --", f"c{k}"],
        )
        con.execute(
            "INSERT INTO usage_items VALUES (?, ?, ?, ?, ?, ?, ?, 'input_tokens', 10, 'token', 0.1, ?)",
            [f"i{k}", f"req{k}", when, pid, f"a{k}' OR 1=1 --", svc, name, 1.0 + k],
        )
    con.close()
    return path


def test_hostile_names_render_as_text_and_run_nothing(hostile_warehouse):
    with (
        serving(
            "--warehouse", f"duckdb://{hostile_warehouse}", env={"ORG_ANALYTICS_NOW": "2026-11-25T12:00:00Z"}
        ) as url,
        browser_page(1280, 1600) as page,
    ):
        page.goto(f"{url}/?month=2026-03")
        wait_ready(page, "2026-03")
        page.wait_for_timeout(1000)
        # hover every chart mark so that tooltips render too
        hovered = 0
        for mark in page.locator("rect.bar, path.slice").all():
            box = mark.bounding_box()
            if box and box["width"] > 2 and box["height"] > 2 and hovered < 30:
                mark.hover(force=True)
                hovered += 1
        assert hovered > 5, "the charts should have marks to hover"
        assert page.evaluate("window.__xss") is None, "a name ran as code"
        text = page.inner_text("body")
        for name in XSS[:4]:
            assert name in text, f"{name!r} must be shown verbatim"
        assert (
            page.locator("script:not([src])").evaluate_all(
                "els => els.filter(e => e.textContent.includes('__xss')).length"
            )
            == 0
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            "a 10,000-character name must not widen the page"
        )
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]


async def _try_execute(ws_url: str, marker: str) -> list[str]:
    """Send an execute_request over the page's own (v1) protocol; the msg_types of the replies to it."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(ws_url, subprotocols=[V1])
    msg_id = uuid.uuid4().hex
    code = f"open({marker!r}, 'w').write('ran')"
    execute = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}
    ws.write_message(v1_frame(message("execute_request", {**execute, "stop_on_error": True}, msg_id)), binary=True)
    replies = []
    try:
        while True:
            frame = await asyncio.wait_for(ws.read_message(), timeout=4)
            if frame is None:
                break
            _channel, parts = deserialize_msg_from_ws_v1(frame)
            parent = json.loads(parts[1]) if len(parts) > 1 and parts[1] else {}
            if parent.get("msg_id") == msg_id:
                replies.append(json.loads(parts[0])["msg_type"])
    except asyncio.TimeoutError:
        pass
    ws.close()
    return replies


async def _legacy_widget_state_request(ws_url: str) -> str:
    """The freeze attack: a legacy-protocol client asks the widget manager for every state."""
    from tornado.httpclient import HTTPClientError
    from tornado.websocket import websocket_connect

    try:
        ws = await websocket_connect(ws_url)  # no subprotocol: the legacy (JSON) protocol
    except HTTPClientError as exc:
        return f"refused {exc.code}"
    comm = uuid.uuid4().hex
    opened = message("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}})
    ask = message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}})
    for sent in (opened, ask):
        ws.write_message(json.dumps({**sent, "channel": "shell", "buffers": []}))
    await asyncio.sleep(3)
    ws.close()
    return "accepted"


def _kernel_of_a_page(url: str) -> str:
    page_html = urlopen(f"{url}/voila/render/org_analytics.ipynb", timeout=90).read().decode()
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', page_html).group(1)


def test_a_viewer_cannot_execute_code_through_the_kernel_websocket(edge_warehouse, tmp_path):
    marker = str(tmp_path / "pwned")
    with serving("--warehouse", f"duckdb://{edge_warehouse}") as url:
        kernel_id = _kernel_of_a_page(url)
        replies = asyncio.run(_try_execute(f"ws{url[4:]}/api/kernels/{kernel_id}/channels", marker))
        outcome = asyncio.run(_legacy_widget_state_request(f"ws{url[4:]}/api/kernels/{kernel_id}/channels"))
        started = time.monotonic()
        answer = urlopen(f"{url}/voila/render/org_analytics.ipynb?month=2026-03", timeout=60)
        answered = time.monotonic() - started
        cpu = _cpu_seconds(url.pid)
        time.sleep(3)
        idle = _cpu_seconds(url.pid) - cpu
    assert "execute_reply" not in replies and "execute_result" not in replies
    assert not (tmp_path / "pwned").exists(), "code sent by a viewer ran in the kernel"
    assert outcome == "refused 400", "a legacy-protocol websocket must be refused (it froze the server)"
    assert answer.status == 200 and answered < 60, "the server still answers after the attack"
    assert idle < 2.0, f"the server is not spinning after the attack ({idle:.1f} s of CPU in 3 s)"


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
