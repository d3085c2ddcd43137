"""The served app exposes the two app pages and allow-listed exports, nothing else."""
from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from browser import serving


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


@pytest.mark.parametrize("path", [
    "/voila/tree", "/voila/tree/", "/voila/api/contents", "/voila/api/contents/org_analytics.ipynb",
    "/voila/render/explore.ipynb", "/voila/render/org_analytics.ipynbx", "/voila/render/../pyproject.toml",
    "/voila/files/org_analytics.ipynb", "/voila/files/exports/../org_analytics.ipynb",
    "/voila/files/exports/not-a-uuid.csv",
])
def test_nothing_else_is_served(server, path):
    assert get(server, path).status in (403, 404), f"{path} must not be served"


def test_the_dashboard_page_renders_without_code(server):
    response = get(server, "/voila/render/org_analytics.ipynb?month=2026-03")
    assert response.status == 200
