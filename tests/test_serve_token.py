"""``serve --token``: every route needs the token, given once as ``?token=`` (exchanged for an HttpOnly,
SameSite=Strict cookie and a redirect without it) or as ``Authorization: token …``.

One server (token from ``$ORG_ANALYTICS_TOKEN``, ``--allow-host dash.example.com``) and one headless
Chromium for the module.
"""

from __future__ import annotations

import asyncio
import http.client
import re
from urllib.parse import urlsplit

import pytest
from browser import browser_page, kernel_pids, serving, wait_ready

from conftest import DEFAULT_NOW, duckdb_url

TOKEN = "s3cr3t-Token_for-tests"
MONTH = "2026-03"
PAGE = "/voila/render/org_analytics.ipynb"
KERNEL = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def server(edge_warehouse):
    env = {"ORG_ANALYTICS_NOW": DEFAULT_NOW, "ORG_ANALYTICS_TOKEN": TOKEN}
    with serving("--warehouse", duckdb_url(edge_warehouse), "--allow-host", "dash.example.com", env=env) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as page:
        yield page


def request(server: str, path: str, headers: dict | None = None, method: str = "GET"):
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=90)
    con.request(method, path, headers=headers or {})
    response = con.getresponse()
    response.body = response.read().decode("utf-8", "replace")
    return response


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"{PAGE}?month={MONTH}",
        "/voila/static/voila.js",
        "/voila/static/oa-shell.js",
        "/voila/files/exports/0123456789abcdef0123456789abcdef.csv",
        "/api/kernels",
        f"/api/kernels/{KERNEL}",
        "/voila/labextensions/@jupyter-widgets/jupyterlab-manager/package.json",
    ],
)
@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x", TOKEN[:-1], ""])
def test_every_route_refuses_a_missing_or_wrong_token(server, path, token):
    sep = "&" if "?" in path else "?"
    attempts = [request(server, path if token is None else f"{path}{sep}token={token}")]
    if token is not None:
        attempts.append(request(server, path, {"Authorization": f"token {token}"}))
        attempts.append(request(server, path, {"Cookie": f"org_analytics_token_{urlsplit(server).port}={token}"}))
    for answer in attempts:
        assert answer.status == 403, f"{path} with token {token!r}: {answer.status}"
        assert "access token" in answer.body, "the refusal says what is missing, in words"


def test_a_shutdown_beacon_without_the_token_is_refused(server):
    origin = {"Origin": server}
    assert request(server, f"/voila/api/shutdown/{KERNEL}", origin, method="POST").status == 403


def test_the_token_in_the_address_becomes_a_cookie_and_leaves_the_address(server):
    answer = request(server, f"{PAGE}?month={MONTH}&token={TOKEN}&agent_id=a%26b")
    assert answer.status == 302
    assert answer.getheader("Location") == f"{PAGE}?month={MONTH}&agent_id=a%26b", "the rest of the address is kept"
    cookie = answer.getheader("Set-Cookie")
    name = f"org_analytics_token_{urlsplit(server).port}"
    assert cookie.startswith(f"{name}={TOKEN};"), cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
    assert request(server, f"{PAGE}?month={MONTH}", {"Cookie": f"{name}={TOKEN}"}).status == 200
    assert "Secure" not in cookie, "served over http: a Secure cookie would never come back"
    behind_tls = request(server, f"{PAGE}?token={TOKEN}", {"X-Forwarded-Proto": "https"})
    assert "Secure" in behind_tls.getheader("Set-Cookie"), "behind a TLS proxy the cookie is https-only"


def test_an_authorization_header_serves_every_route(server):
    auth = {"Authorization": f"token {TOKEN}"}
    assert request(server, "/voila/static/oa-shell.js", auth).status == 200
    assert request(server, f"{PAGE}?month={MONTH}", auth).status == 200


def test_an_allowed_host_name_is_served_with_the_token(server):
    auth = {"Authorization": f"token {TOKEN}"}
    assert request(server, "/voila/static/oa-shell.js", {**auth, "Host": "dash.example.com"}).status == 200
    assert request(server, "/voila/static/oa-shell.js", {**auth, "Host": "evil.example.com"}).status == 403


def test_the_kernel_websocket_needs_the_token(server):
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    page_html = request(server, f"{PAGE}?month={MONTH}", {"Authorization": f"token {TOKEN}"}).body
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page_html).group(1)
    url = f"ws{server[4:]}/api/kernels/{kernel}/channels"

    async def connect(headers):
        ws = await websocket_connect(
            HTTPRequest(url, headers=headers), subprotocols=["v1.kernel.websocket.jupyter.org"]
        )
        ws.close()
        return "open"

    for headers in ({}, {"Authorization": "token wrong"}, {"Cookie": "org_analytics_token_1=" + TOKEN}):
        with pytest.raises(HTTPClientError) as refused:
            asyncio.run(connect(headers))
        assert refused.value.code == 403, headers
    assert asyncio.run(connect({"Authorization": f"token {TOKEN}"})) == "open"


def test_a_viewer_with_the_link_sees_the_dashboard_and_the_token_stays_out_of_reach(server, page):
    """The preheated kernel still learns its viewer's request (through the kernels' own route, which
    needs no token), the app sees no unknown ``token`` value, and page script cannot read the cookie."""
    page.goto(f"{server}/?month={MONTH}&token={TOKEN}")
    wait_ready(page, MONTH)
    assert "token" not in page.url, page.url
    assert TOKEN not in page.evaluate("document.cookie"), "the cookie is HttpOnly"
    page.locator("a.oa-agent-link").first.click()  # the kernel websocket carries the cookie
    page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")


def test_the_kernels_do_not_inherit_the_token(server):
    kernels = kernel_pids(server.pid)
    assert kernels, "a preheated kernel runs"
    for pid in kernels:
        with open(f"/proc/{pid}/environ", "rb") as f:
            assert TOKEN.encode() not in f.read(), "a kernel's environment holds the token"


def test_token_auto_makes_one_and_prints_it_in_the_address(monkeypatch):
    from org_analytics_widgets.cli import _serve_access, build_parser

    monkeypatch.delenv("ORG_ANALYTICS_TOKEN", raising=False)
    args = build_parser().parse_args(["serve", "--port", "8123", "--token", "auto"])
    env: dict = {}
    address = _serve_access(args, env)
    token = env["ORG_ANALYTICS_TOKEN"]
    assert len(token) >= 32 and address == f"http://127.0.0.1:8123/?token={token}"
    assert _serve_access(args, {}) != address, "a new token each time"
