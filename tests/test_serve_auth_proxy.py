"""``serve --auth-header NAME``: the user's name is trusted from the authenticating proxy's address only
(the Grafana auth-proxy model), every request needs it, and the kernel learns it.

The server binds 127.0.0.1; a client bound to 127.0.0.2 reaches it from another address (all of
127.0.0.0/8 is loopback), which is how the tests play a client that bypasses the proxy. One
server for the module (preheated, as served), plus one started without the pool for the kernel
that Voilà starts per request.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import time
from urllib.parse import urlsplit

import pytest
from browser import free_port, kernel_pids, listening, serving

from conftest import DEFAULT_NOW, duckdb_url

HEADER = "X-Forwarded-User"
PAGE = "/voila/render/org_analytics.ipynb?month=2026-03"


@pytest.fixture(scope="module")
def server(edge_warehouse):
    env = {"ORG_ANALYTICS_NOW": DEFAULT_NOW}
    with serving("--warehouse", duckdb_url(edge_warehouse), "--auth-header", HEADER, env=env) as url:
        yield url


def request(server: str, path: str, headers: dict | None = None, source: str = "127.0.0.1"):
    parts = urlsplit(server)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=90, source_address=(source, 0))
    con.request("GET", path, headers=headers or {})
    response = con.getresponse()
    response.body = response.read().decode("utf-8", "replace")
    return response


@pytest.mark.parametrize("path", ["/", PAGE, "/voila/static/voila.js", "/api/kernels", "/voila/files/exports/x.csv"])
def test_a_request_without_the_users_name_is_refused(server, path):
    for headers in ({}, {HEADER: ""}, {HEADER: "   "}):
        answer = request(server, path, headers)
        assert answer.status == 403 and "did not say who you are" in answer.body, (path, headers)


@pytest.mark.parametrize("path", ["/", PAGE, "/voila/static/voila.js", "/api/kernels"])
def test_the_users_name_from_another_address_is_not_trusted(server, path):
    answer = request(server, path, {HEADER: "admin"}, source="127.0.0.2")
    assert answer.status == 403 and "sign-in proxy" in answer.body


def test_the_kernel_websocket_from_another_address_is_refused(server):
    import socket

    page_html = request(server, PAGE, {HEADER: "alice"}).body
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page_html).group(1)
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), source_address=("127.0.0.2", 0)) as sock:
        sock.sendall(
            (
                f"GET /api/kernels/{kernel}/channels HTTP/1.1\r\nHost: {parts.netloc}\r\n{HEADER}: alice\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Protocol: v1.kernel.websocket.jupyter.org\r\n\r\n"
            ).encode()
        )
        status_line = sock.recv(200).split(b"\r\n")[0]
    assert b" 403 " in status_line, status_line


def _kernel_environment(server_pid: int, kernel_id: str, names: list[str]) -> dict:
    """``os.environ[name]`` as the running kernel sees it now (asked through its connection file)."""
    from jupyter_client import BlockingKernelClient

    for pid in kernel_pids(server_pid):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().decode().split("\0")
        if any(kernel_id in arg for arg in argv):
            connection_file = argv[argv.index("-f") + 1]
            break
    else:
        raise AssertionError(f"no kernel process for {kernel_id}")
    client = BlockingKernelClient(connection_file=connection_file)
    client.load_connection_file()
    client.start_channels()
    try:
        expression = f"__import__('json').dumps({{n: __import__('os').environ.get(n) for n in {names!r}}})"
        msg_id = client.execute("", silent=False, user_expressions={"env": expression})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            reply = client.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                text = reply["content"]["user_expressions"]["env"]["data"]["text/plain"]
                return json.loads(eval(text))  # the repr of a JSON string
        raise AssertionError("the kernel did not answer")
    finally:
        client.stop_channels()


def test_a_preheated_kernel_learns_its_viewer(server):
    page_html = request(server, PAGE, {HEADER: "alice@example.com"}).body
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page_html).group(1)
    env = _kernel_environment(
        server.pid, kernel, ["HTTP_X_FORWARDED_USER", "ORG_ANALYTICS_AUTH_HEADER", "VOILA_PREHEAT"]
    )
    assert env == {
        "HTTP_X_FORWARDED_USER": "alice@example.com",
        "ORG_ANALYTICS_AUTH_HEADER": HEADER,
        "VOILA_PREHEAT": "True",
    }


def test_a_kernel_started_for_the_request_learns_its_viewer(edge_warehouse):
    """Without a preheated kernel (the pool off), Voilà passes the header in the new kernel's environment."""
    from org_analytics_widgets.server import voila_arguments

    port = free_port()
    argv = [sys.executable, "-P", "-m", "org_analytics_widgets.server"]
    arguments = [a for a in voila_arguments(port, False, auth_header=HEADER) if not a.startswith("--preheat_kernel")]
    argv += [*arguments, "--preheat_kernel=False"]
    env = {"ORG_ANALYTICS_WAREHOUSE": duckdb_url(edge_warehouse), "ORG_ANALYTICS_AUTH_HEADER": HEADER}
    with listening(argv, port, "server", env=env) as proc:
        url = f"http://127.0.0.1:{port}"
        assert request(url, PAGE).status == 403
        page_html = request(url, PAGE, {HEADER: "bob"}).body
        kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page_html).group(1)
        env = _kernel_environment(proc.pid, kernel, ["HTTP_X_FORWARDED_USER", "VOILA_PREHEAT"])
    assert env == {"HTTP_X_FORWARDED_USER": "bob", "VOILA_PREHEAT": "False"}


def test_the_policy_option_needs_the_auth_header_and_an_existing_file(tmp_path, monkeypatch):
    from org_analytics_widgets.cli import UsageError, _serve_access, build_parser

    policy = tmp_path / "policy.toml"
    policy.write_text("")
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["serve", "--auth-header", HEADER, "--policy", "policy.toml"])
    env = {"ORG_ANALYTICS_POLICY": "/elsewhere"}
    _serve_access(args, env)
    assert env["ORG_ANALYTICS_POLICY"] == str(policy.resolve()) and env["ORG_ANALYTICS_AUTH_HEADER"] == HEADER
    with pytest.raises(UsageError, match="needs --auth-header"):
        _serve_access(build_parser().parse_args(["serve", "--policy", "policy.toml"]), {})
    with pytest.raises(UsageError, match="does not exist"):
        _serve_access(build_parser().parse_args(["serve", "--auth-header", HEADER, "--policy", "nope.toml"]), {})
    plain = {"ORG_ANALYTICS_POLICY": "/elsewhere", "ORG_ANALYTICS_AUTH_HEADER": HEADER}
    _serve_access(build_parser().parse_args(["serve"]), plain)
    assert "ORG_ANALYTICS_POLICY" not in plain and "ORG_ANALYTICS_AUTH_HEADER" not in plain, (
        "only serve's options tell the kernels who the viewer is and what they may see"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--policy", "p.toml"], "--policy needs --auth-header"),
        (["--auth-header", "X_User"], "header name"),
        (["--auth-header", HEADER, "--trusted-proxy", "proxy.local"], "not an IP address"),
    ],
)
def test_access_options_fail_in_one_line(run_cli, argv, message):
    code, _out, err = run_cli(["serve", "--no-browser", *argv])
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_a_proxy_network_can_be_trusted():
    from org_analytics_widgets.server import Gate

    gate = Gate(port=1, auth_header=HEADER, trusted_proxies=["10.0.0.0/8", "::1"])
    assert gate.from_trusted_proxy("10.2.3.4") and gate.from_trusted_proxy("::1")
    assert gate.from_trusted_proxy("::ffff:10.0.0.1"), "an IPv4 proxy seen through an IPv6 socket"
    assert not gate.from_trusted_proxy("127.0.0.1") and not gate.from_trusted_proxy("11.0.0.1")
