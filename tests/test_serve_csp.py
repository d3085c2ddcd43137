"""The page's Content-Security-Policy: the dashboard runs under it untouched, and script that an attacker
manages to put into the page (an inline handler, an inline script, a ``javascript:`` link) does not run.

One server and one headless Chromium for the module; every test reads what the browser reports.
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest
from browser import browser_page, serving, wait_ready

from conftest import DEFAULT_NOW, duckdb_url

MONTH = "2026-03"
#: records every CSP violation the page reports, from before its first script
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample || '')));
"""


@pytest.fixture(scope="module")
def server(edge_warehouse):
    env = {"ORG_ANALYTICS_NOW": DEFAULT_NOW}
    with serving("--warehouse", duckdb_url(edge_warehouse), env=env) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as page:
        page.add_init_script(RECORD_VIOLATIONS)
        page.console_lines = []
        page.on("console", lambda message: page.console_lines.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: page.console_lines.append(f"pageerror: {error}"))
        page.goto(f"{server}/?month={MONTH}")
        wait_ready(page, MONTH)
        yield page


def _csp_lines(page) -> list[str]:
    return [line for line in page.console_lines if "Content Security Policy" in line]


def _headers(server: str, path: str) -> dict:
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    con.request("GET", path)
    response = con.getresponse()
    response.read()
    return {name.lower(): value for name, value in response.getheaders()} | {":status": response.status}


def test_the_dashboard_runs_under_the_policy_with_no_violation(page):
    page.locator("a.oa-agent-link").first.click()  # another view, more widgets and the anywidget piece
    page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__csp") == [], "the page itself must need nothing the policy forbids"
    assert _csp_lines(page) == [], "\n".join(_csp_lines(page))
    assert page.locator(".oa-kpi-value").count() > 0, "the dashboard drew its numbers"


@pytest.mark.parametrize(
    "injection",
    [
        # an attribute handler, as an unescaped name would bring it
        "const img = document.createElement('img'); img.setAttribute('onerror', 'window.__xss = 1');"
        " img.src = 'x'; document.body.appendChild(img);",
        "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__xss = 2\">');",
        "document.body.insertAdjacentHTML('beforeend', '<svg><animate onbegin=\"window.__xss = 3\" attributeName=x dur=1s>');",
        # an inline script element
        "const s = document.createElement('script'); s.textContent = 'window.__xss = 4'; document.body.appendChild(s);",
        # a javascript: link, clicked
        "const a = document.createElement('a'); a.href = 'javascript:window.__xss = 5'; a.id = 'oa-js-link';"
        " a.textContent = 'x'; document.body.appendChild(a); a.click();",
    ],
)
def test_script_injected_into_the_page_does_not_run(page, injection):
    page.evaluate("() => { window.__xss = undefined; window.__csp.length = 0; }")
    page.evaluate(f"() => {{ {injection} }}")
    page.wait_for_timeout(700)
    assert page.evaluate("window.__xss") is None, f"injected script ran: {injection}"
    blocked = page.evaluate("window.__csp")
    assert any(v.startswith("script-src") for v in blocked), f"the policy, not luck, stopped it: {blocked}"


def test_the_theme_payload_url_runs_no_script(server, page):
    page.evaluate("() => { window.__xss = undefined; }")
    response = page.goto(f"{server}/voila/render/org_analytics.ipynb?theme=light%22%20onload%3D%22window.__xss%3D1")
    page.wait_for_timeout(500)
    assert response.status == 400 and "?theme=" in page.inner_text("body"), "refused, in words"
    assert page.evaluate("window.__xss") is None


@pytest.mark.parametrize(
    "path",
    ["/voila/render/org_analytics.ipynb", "/voila/static/oa-shell.js", "/voila/files/exports/not-a-uuid.csv", "/"],
)
def test_every_response_carries_the_security_headers(server, path):
    headers = _headers(server, path)
    policy = headers.get("content-security-policy", "")
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in policy.split(";") if d.strip())
    assert "'unsafe-inline'" not in directives.get("script-src", "'unsafe-inline'"), policy
    assert directives.get("object-src") == "'none'", policy
    assert directives.get("base-uri") == "'self'", policy
    assert directives.get("frame-ancestors") == "'self'", policy
    assert ("sandbox" in directives) == path.startswith("/voila/files/"), "a downloaded export is sandboxed"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "same-origin"


def _page_html(server: str) -> str:
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=90)
    con.request("GET", f"/voila/render/org_analytics.ipynb?month={MONTH}")
    return con.getresponse().read().decode()


def test_the_page_shell_has_no_inline_script(server):
    html = _page_html(server)
    inline = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        if "src=" not in tag and "application/json" not in tag and "application/vnd.voila" not in tag
    ]
    assert inline == [], f"inline scripts would need 'unsafe-inline': {inline}"


def test_the_keep_alive_of_a_slow_page_is_no_script(edge_warehouse):
    """Without a preheated kernel, Voilà sends an inline ``<script>`` every keep-alive period while the
    page renders (refused by the policy, an error in the console); the app sends a comment."""
    import sys

    from browser import free_port, listening

    from org_analytics_widgets.server import voila_arguments

    port = free_port()
    arguments = [a for a in voila_arguments(port, False) if not a.startswith("--preheat_kernel")]
    argv = [sys.executable, "-P", "-m", "org_analytics_widgets.server", *arguments]
    argv += ["--preheat_kernel=False", "--VoilaConfiguration.http_keep_alive_timeout=1"]
    with listening(argv, port, "server", env={"ORG_ANALYTICS_WAREHOUSE": duckdb_url(edge_warehouse)}):
        html = _page_html(f"http://127.0.0.1:{port}")
    assert "still rendering" in html, "the slow page was kept alive"
    assert "voila_heartbeat()" not in html
