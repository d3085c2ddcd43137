"""The served app exposes the two app pages and allow-listed exports, nothing else."""

from __future__ import annotations

import http.client
import os
import re
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


def _request(server: str, path: str, host: str) -> int:
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    con.request("GET", path, headers={"Host": host})
    response = con.getresponse()
    response.read()
    return response.status


@pytest.mark.parametrize(
    "path",
    ["/", "/voila/render/org_analytics.ipynb", "/voila/static/voila.js", "/voila/files/exports/x.csv", "/api/kernels"],
)
def test_another_host_name_is_refused_on_every_route(server, path):
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 reaches the server
    with ``Host: evil.example``; the server answers to its own names only."""
    port = urlsplit(server).port
    assert _request(server, path, f"evil.example:{port}") == 403
    assert _request(server, path, "evil.example") == 403
    assert _request(server, path, f"127.0.0.1:{port + 1}") == 403, "the loopback names on the server's port only"


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LocalHost:{port}"])
def test_the_loopback_names_are_served(server, host):
    assert _request(server, "/?month=2026-03", host.format(port=urlsplit(server).port)) == 302


def test_the_kernel_websocket_refuses_another_host_name(server):
    import asyncio

    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def connect(request):
        return await websocket_connect(request, subprotocols=["v1.kernel.websocket.jupyter.org"])

    kernel = "00000000-0000-0000-0000-000000000000"
    for path in (f"/api/kernels/{kernel}/channels", f"/voila/query/{kernel}"):
        request = HTTPRequest(f"ws{server[4:]}{path}", headers={"Host": "evil.example"})
        with pytest.raises(HTTPClientError) as refused:
            asyncio.run(connect(request))
        assert refused.value.code == 403, path


def test_the_kernels_request_hand_off_is_not_public(server):
    """Voilà's ``/voila/query/<kernel>`` let any client read a viewer's request or make the next
    preheated page hang; the kernels reach it under a secret path instead."""
    assert get(server, "/voila/query/00000000-0000-0000-0000-000000000000").status == 404


def test_the_host_allow_list_matches_names():
    from org_analytics_widgets.server import Gate

    gate = Gate(port=8866, hosts=["dash.example.com", "[::2]"])
    assert gate.host_allowed("dash.example.com") and gate.host_allowed("DASH.example.com:443")
    assert gate.host_allowed("[::2]:8866") and gate.host_allowed("[::1]:8866")
    assert not gate.host_allowed("dash.example.com.evil.example")
    assert not gate.host_allowed("localhost:8867") and not gate.host_allowed("localhost")


def test_a_voila_config_in_the_working_directory_is_ignored(edge_warehouse, tmp_path):
    """Voilà reads ``voila.py``/``voila.json`` from its working directory, and ``python -m`` imports
    from it: ``serve`` started in a folder someone else wrote must run none of it."""
    import sys

    from browser import free_port, listening

    marker = tmp_path / "ran"
    (tmp_path / "voila.py").write_text(f"open({str(marker)!r}, 'a').write('voila.py ')\n")
    (tmp_path / "voila.json").write_text('{"Voila": {"port": 1}}')
    (tmp_path / "secrets.py").write_text(f"open({str(marker)!r}, 'a').write('secrets.py ')\n")
    port = free_port()
    script = Path(sys.executable).with_name("org-analytics")  # as installed: not python -m, which imports from cwd
    argv = [str(script), "serve", "--no-browser", "--port", str(port)]
    with listening([*argv, "--warehouse", f"duckdb://{edge_warehouse}"], port, "serve", cwd=tmp_path):
        status = get(f"http://127.0.0.1:{port}", "/voila/render/org_analytics.ipynb").status
    assert status == 200, "served on the port asked for (voila.json's port ignored)"
    assert not marker.exists(), f"ran code from the working directory: {marker.read_text()}"


def test_the_kernels_hand_off_needs_the_secret_its_kernels_hold(server):
    import asyncio

    from tornado.httpclient import HTTPClientError
    from tornado.websocket import websocket_connect

    _folder, kernel = runtime_folder_of(server)
    with open(f"/proc/{kernel}/environ", "rb") as f:
        environment = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    secret_path = environment[b"VOILA_WS_BASE_URL"].decode()
    assert re.fullmatch(r"/oa-kernel-[0-9a-f]{32}/", secret_path), secret_path

    async def connect(path):
        try:
            ws = await websocket_connect(f"ws{server[4:]}{path}voila/query/00000000-0000-0000-0000-000000000000")
        except HTTPClientError as exc:
            return exc.code
        ws.close()
        return "open"

    wrong = "/oa-kernel-" + ("0" if secret_path[11] != "0" else "1") + secret_path[12:]
    assert asyncio.run(connect(wrong)) == 404, "a guessed secret path is not the hand-off"
    assert asyncio.run(connect(secret_path)) == "open", "the kernels' own path is"
