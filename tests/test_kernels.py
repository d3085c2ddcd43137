"""Leaving a page frees its kernel: the server holds the kernels of open pages plus its preheated pool.

Voilà's page sends its kernel's shutdown as a beacon when the page unloads; the app accepts it from
its own origin only (a cross-origin or origin-less request is refused and the kernel lives on).
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from browser import browser_page, kernel_pids, serving, wait_ready

from conftest import DEFAULT_NOW, duckdb_url

MONTH = "2026-03"


def _settle(pid: int, count, timeout: float = 60) -> int:
    """Wait until the server's kernel count satisfies ``count(n)``; returns the last count."""
    deadline = time.monotonic() + timeout
    while True:
        n = len(kernel_pids(pid))
        if count(n) or time.monotonic() > deadline:
            return n
        time.sleep(0.5)


def _post(url: str, origin: str | None) -> int:
    request = urllib.request.Request(url, data=b"", method="POST", headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def server(edge_warehouse):
    env = {"ORG_ANALYTICS_NOW": DEFAULT_NOW, "ORG_ANALYTICS_TIMEZONE": "America/New_York"}
    with serving("--warehouse", duckdb_url(edge_warehouse), "--timezone", "America/New_York", env=env) as url:
        pool = _settle(url.pid, lambda n: n >= 1)  # one preheated kernel for the one app page
        assert pool == 1, f"the pool covers the app page only, found {pool} kernels"
        yield url


def test_leaving_a_page_frees_its_kernel(server):
    with browser_page() as page:
        for target, ready in ((f"{server}/?month={MONTH}", MONTH), (f"{server}/?month=2026-02", "2026-02")):
            page.goto(target)
            wait_ready(page, ready)
            open_now = _settle(server.pid, lambda n: n == 2)
            assert open_now == 2, f"one open page and the refilled pool of one: {open_now} kernels"
        page.wait_for_selector(".oa-browser[data-ready]", state="attached")
        page.locator("a.oa-agent-link").first.click()  # a view of the same page: no new kernel
        page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")
        time.sleep(2)
        assert len(kernel_pids(server.pid)) == 2, "the agent's view runs in the page's own kernel"
        page.goto("about:blank")  # the page unloads: its beacon asks the server to free the kernel
        left = _settle(server.pid, lambda n: n == 1)
    assert left == 1, f"after the viewer left, only the pool is held: {left} kernels"


def test_a_kernel_cannot_be_shut_down_from_another_origin(server):
    with browser_page() as page:
        page.goto(f"{server}/?month={MONTH}")
        wait_ready(page, MONTH)
        kernels = kernel_pids(server.pid)
        ids = re.findall(r'"kernelId"\s*:\s*"([0-9a-f-]{36})"', page.content())
        assert ids, "the page names its kernel"
        target = f"{server}/voila/api/shutdown/{ids[0]}"
        assert _post(target, "http://evil.example") == 403
        assert _post(target, None) == 403
        assert len(kernel_pids(server.pid)) == len(kernels), "refused requests shut nothing down"
        assert page.locator(".oa-status-box [data-status=ready]").count() == 1, "the page still works"
