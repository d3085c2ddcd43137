"""The served app exposes the two app pages and allow-listed exports, nothing else."""

from __future__ import annotations

import http.client
import os
import stat
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser import kernel_pids, serving


@pytest.fixture(scope="module")
def server(edge_warehouse):
    with serving("--warehouse", f"duckdb://{edge_warehouse}") as url:
        yield url


def get(server: str, path: str) -> http.client.HTTPResponse:
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    con.request("GET", path)
    response = con.getresponse()
    response.read()
    return response


def test_root_redirects_to_the_dashboard_keeping_the_month(server):
    response = get(server, "/?month=2026-03")
    assert response.status == 302
    assert response.getheader("Location") == "voila/render/org_analytics.ipynb?month=2026-03"


def test_the_former_agent_page_redirects_to_the_apps_agent_view(server):
    response = get(server, "/voila/render/agent_analytics.ipynb?agent_id=a_conc&month=2026-03")
    assert response.status == 302
    assert response.getheader("Location") == "org_analytics.ipynb?agent_id=a_conc&month=2026-03"


@pytest.mark.parametrize(
    "path",
    [
        "/voila/tree",
        "/voila/tree/",
        "/voila/api/contents",
        "/voila/api/contents/org_analytics.ipynb",
        "/voila/render/explore.ipynb",
        "/voila/render/org_analytics.ipynbx",
        "/voila/render/../pyproject.toml",
        "/voila/files/org_analytics.ipynb",
        "/voila/files/exports/../org_analytics.ipynb",
        "/voila/files/exports/not-a-uuid.csv",
    ],
)
def test_nothing_else_is_served(server, path):
    assert get(server, path).status in (403, 404), f"{path} must not be served"


def test_the_dashboard_page_renders_without_code(server):
    response = get(server, "/voila/render/org_analytics.ipynb?month=2026-03")
    assert response.status == 200


def runtime_folder_of(server) -> tuple[Path, int]:
    """The folder the server's kernels run in, and one kernel (a preheated one starts at once)."""
    deadline = time.monotonic() + 60
    while not (kernels := kernel_pids(server.pid)):
        assert time.monotonic() < deadline, "the server started no kernel"
        time.sleep(0.2)
    return Path(os.readlink(f"/proc/{kernels[0]}/cwd")), kernels[0]


def test_kernels_run_in_a_private_runtime_folder_holding_only_the_app_page(server):
    folder, kernel = runtime_folder_of(server)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700, "the runtime folder is private"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == ["org_analytics.ipynb"], (
        "only the app page is served (and preheated)"
    )
    assert (folder / "exports").is_dir()
    with open(f"/proc/{kernel}/environ", "rb") as f:
        environment = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    assert environment.get(b"ORG_ANALYTICS_RUNTIME") == str(folder).encode(), "kernels are told the runtime folder"


def test_the_runtime_folder_is_removed_when_the_server_stops(edge_warehouse):
    with serving("--warehouse", f"duckdb://{edge_warehouse}") as url:
        folder, _ = runtime_folder_of(url)
    assert not folder.exists(), f"{folder} outlived its server"


@pytest.mark.parametrize(
    "query",
    ["theme=light%22%20onload%3D%22window.__xss%3D1", "template=reveal", "month=2026-03&Theme=x&theme=dark"],
)
def test_theme_and_template_from_the_url_are_refused(server, query):
    """?theme= was written into the page unescaped (a reflected XSS) and ?template= picked another
    shell; both also started a kernel outside the pool. The app has one page shell."""
    response = get(server, f"/voila/render/org_analytics.ipynb?{query}")
    assert response.status == 400
