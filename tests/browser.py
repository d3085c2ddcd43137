"""Helpers for real-browser tests: a live `org-analytics serve` and Debian's headless Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

CI = os.environ.get("CI") == "true"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    """Debian's chromium; a missing browser skips locally and fails under CI=true."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if CI:
            pytest.fail(message + " — CI=true: browser tests may not skip")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedURL(str):
    """The base URL of a running server, with the server's ``pid``."""

    pid: int


def kernel_pids(server_pid: int) -> list[int]:
    """The kernels a Voilà server started (its ipykernel children)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    is_kernel = b"ipykernel" in f.read()
            except (OSError, ValueError, IndexError):
                continue
            if ppid == server_pid and is_kernel:
                pids.append(int(entry))
    return pids


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def listening(argv: list[str], port: int, name: str, env: dict | None = None, cwd=None, timeout: float = 90):
    """Start the server ``argv`` and wait until it accepts connections on loopback ``port``; yields
    its process. Its output goes to a temporary file, shown if it exits early; at the end it is
    terminated (killed if it has not stopped within 15 s)."""
    with tempfile.TemporaryFile("w+") as output:
        proc = subprocess.Popen(
            argv, env={**os.environ, **(env or {})}, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + timeout
        try:
            while True:
                if proc.poll() is not None:
                    output.seek(0)
                    raise AssertionError(f"{name} exited {proc.returncode}:\n{output.read()}")
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"{name} did not listen in time")
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def serving(*args: str, env: dict | None = None, timeout: float = 90):
    """Run ``org-analytics serve ARGS`` on a free loopback port; yields the base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "org_analytics_widgets", "serve", "--no-browser", "--port", str(port), *args]
    with listening(argv, port, "serve", env=env, timeout=timeout) as proc:
        url = ServedURL(f"http://127.0.0.1:{port}")
        url.pid = proc.pid
        yield url


@contextlib.contextmanager
def chromium_browser():
    """Headless Chromium for a test module (pages and contexts are the tests' own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 900):
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(90_000)
            yield page
        finally:
            browser.close()


@contextlib.contextmanager
def served_page(warehouse_url: str, month: str, zone: str, now: str):
    """A test module's app and page: ``serve`` over ``warehouse_url`` in ``zone`` at ``now``, and
    one headless Chromium page (1280 x 900) showing ``month``, ready."""
    with (
        serving("--warehouse", warehouse_url, "--timezone", zone, env={"ORG_ANALYTICS_NOW": now}) as url,
        browser_page(1280, 900) as page,
    ):
        page.goto(f"{url}/?month={month}")
        wait_ready(page, month)
        yield page


def wait_ready(page, month: str, status: str = "ready") -> None:
    """Wait until the dashboard shows ``month`` (YYYY-MM) loaded with ``status``."""
    page.wait_for_selector(f'.oa-status-box [data-status={status}][data-month="{month}"]', state="attached")


def kpis_on_page(page) -> dict:
    """The exact KPI values the dashboard's cards carry (``data-exact``), by contract key (not those
    of the agent and project views: a project's cards have the same keys)."""
    values = page.eval_on_selector_all(
        ".oa-kpis:not(.oa-project-kpis):not(.oa-agent-kpis) .oa-kpi-value",
        "els => els.map(e => [e.dataset.key, e.dataset.exact])",
    )
    return dict(values)
