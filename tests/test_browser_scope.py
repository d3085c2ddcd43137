"""Two users behind an authenticating proxy, each in a real browser: each sees only the projects
the policy grants, on the page and in everything the server sends it (the websocket traffic is
read frame by frame). The server is `serve --auth-header X-Remote-User --policy FILE`; the browser
plays the proxy (it connects from 127.0.0.1, the trusted address, and sends the header)."""

from __future__ import annotations

import pytest
from browser import chromium_browser, serving, wait_ready
from test_access import POLICY
from test_browser_labels import ITEMS

from conftest import DEFAULT_NOW, duckdb_url

HEADER = "X-Remote-User"
MONTH = "2026-03"
ZONE = "America/New_York"
# what only other projects hold: names, ids and an agent of theirs
OTHERS = ("Support bot", "p_support", "a_conc", "Refunds", "p_neg", "zulu", "p_xss", "p_search", "a_zed")


@pytest.fixture(scope="module")
def served(edge_warehouse, tmp_path_factory):
    policy = tmp_path_factory.mktemp("policy") / "policy.toml"
    policy.write_text(POLICY)
    env = {"ORG_ANALYTICS_NOW": DEFAULT_NOW}
    args = ("--warehouse", duckdb_url(edge_warehouse), "--timezone", ZONE, "--auth-header", HEADER)
    with serving(*args, "--policy", str(policy), env=env) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


def _open_as(chromium, url: str, user: str):
    """A page of ``user``'s own browser, and every websocket frame the server sent it."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, extra_http_headers={HEADER: user})
    page = context.new_page()
    page.set_default_timeout(120_000)
    frames: list[str] = []

    def watch(ws):
        ws.on(
            "framereceived",
            lambda payload: frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace")),
        )

    page.on("websocket", watch)
    page.goto(f"{url}/?month={MONTH}")
    return page, frames


@pytest.mark.parametrize(
    "user, visible, active",
    [("alice", ("Voice desk", "docs QA"), "/2"), ("bob", ("Voice desk",), "/1")],
)
def test_each_user_sees_only_their_projects_on_the_page_and_on_the_wire(served, chromium, user, visible, active):
    page, frames = _open_as(chromium, served, user)
    try:
        wait_ready(page, MONTH)
        page.locator(".oa-usage-tables .lm-TabBar-tab", has_text="Items").click()  # and its filter options
        page.wait_for_selector(f'{ITEMS} .oa-table-body[data-status="ready"] .oa-table-row', state="visible")
        text = page.inner_text("body")
        for name in visible:
            assert name in text, f"{user} should see {name}"
        projects = page.inner_text(".oa-kpi-value[data-key=active_projects]").replace(" ", "")
        assert projects.endswith(active), f"Active projects {projects}: only {user}'s projects count"
        wire = "\n".join(frames)
        assert "Voice desk" in wire, "the frames were read (the check can fail)"
        for name in OTHERS + (() if user == "alice" else ("docs QA", "p_docs")):
            assert name not in text, f"{name!r} on {user}'s page"
            assert name not in wire, f"{name!r} sent to {user}'s browser"
    finally:
        page.context.close()


def test_a_user_the_policy_does_not_name_is_told_so(served, chromium):
    page, frames = _open_as(chromium, served, "mallory")
    try:
        page.wait_for_selector("text=no project is shared with you")
        assert "mallory" in page.inner_text("body")
        assert not any(name in "\n".join(frames) for name in OTHERS + ("Voice desk",))
    finally:
        page.context.close()


def test_the_admin_sees_every_project(served, chromium):
    page, _frames = _open_as(chromium, served, "admin")
    try:
        wait_ready(page, MONTH)
        assert "Support bot" in page.inner_text("body")
    finally:
        page.context.close()
