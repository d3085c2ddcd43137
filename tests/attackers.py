"""Attackers of a served dashboard, run in threads beside real viewers (the load test): each repeats
the attacks of docs/security.md against the same server until stopped and records what the server
answered. An attack that works is recorded in ``breaches``; the load test asserts there are none,
that the viewers saw no error and the report's numbers, and that the server is back to its pool
after. Attackers use their own loopback address (127.0.0.2), as a client on another machine would:
the server's per-address limits must not fall on the viewers."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

V1 = "v1.kernel.websocket.jupyter.org"
ATTACKER_ADDRESS = "127.0.0.2"
XSS = '"><img src=x onerror=window.__xss=1>'


def message(msg_type: str, content: dict, msg_id: str | None = None, username: str = "attacker") -> dict:
    """A Jupyter message as a browser (or an attacker) sends it over the kernel websocket."""
    return {
        "header": {
            "msg_id": msg_id or uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": uuid.uuid4().hex,
            "username": username,
            "version": "5.3",
            "date": datetime.now(timezone.utc).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
    }


def v1_frame(message: dict, channel: str = "shell") -> bytes:
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    return serialize_msg_to_ws_v1(message, channel, lambda part: json.dumps(part).encode())


class Attacker:
    """One attacker: a page of its own (for a kernel id), then the attacks in turn."""

    def __init__(self, url: str, marker_dir, number: int):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.marker = str(marker_dir / f"pwned-{number}")
        self.outcomes: Counter[str] = Counter()
        self.breaches: list[str] = []
        self.kernel_id: str | None = None
        self.rounds = 0  # times every attack was made

    # -- plain HTTP from the attacker's address -------------------------------------------------------
    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        con = http.client.HTTPConnection(self.host, self.port, timeout=120, source_address=(ATTACKER_ADDRESS, 0))
        try:
            con.request("GET", path, headers={"Host": f"{self.host}:{self.port}", **(headers or {})})
            answer = con.getresponse()
            return answer.status, answer.read().decode(errors="replace")
        finally:
            con.close()

    def own_page(self) -> None:
        status, body = self.get("/voila/render/org_analytics.ipynb")
        found = re.search(r'"kernelId": "([0-9a-f-]{36})"', body) if status == 200 else None
        self.kernel_id = found.group(1) if found else None
        self.outcomes[f"own page {status}"] += 1

    # -- the attacks ------------------------------------------------------------------------------
    def theme_xss(self) -> None:
        status, body = self.get("/voila/render/org_analytics.ipynb?theme=" + XSS.replace(" ", "%20"))
        self.outcomes[f"?theme= {status}"] += 1
        if status == 200 or XSS in body:
            self.breaches.append(f"?theme= answered {status}")

    def hidden_routes(self) -> None:
        for path in (
            "/voila/tree",
            "/voila/api/contents",
            "/voila/render/../org_analytics.ipynb",
            "/voila/files/exports/..%2f..%2fetc%2fpasswd",
            "/voila/render/explore.ipynb",
        ):
            status, body = self.get(path)
            self.outcomes[f"hidden route {status}"] += 1
            if status == 200 and ("root:" in body or '"content"' in body or "explore" in body):
                self.breaches.append(f"{path} answered 200")

    def _ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/api/kernels/{self.kernel_id}/channels"

    async def _legacy_state_request(self) -> str:
        from tornado.httpclient import HTTPClientError
        from tornado.websocket import websocket_connect

        try:
            ws = await websocket_connect(self._ws_url())
        except HTTPClientError as exc:
            return f"refused {exc.code}"
        comm = uuid.uuid4().hex
        for sent in (
            message("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}),
            message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}),
        ):
            ws.write_message(json.dumps({**sent, "channel": "shell", "buffers": []}))
        await asyncio.sleep(1)
        ws.close()
        return "accepted"

    def legacy_websocket(self) -> None:
        if not self.kernel_id:
            return
        outcome = asyncio.run(self._legacy_state_request())
        self.outcomes[f"legacy websocket {outcome}"] += 1
        if outcome == "accepted":
            self.breaches.append("a legacy-protocol websocket was accepted")

    async def _execute(self) -> list[str]:
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
        from tornado.websocket import websocket_connect

        ws = await websocket_connect(self._ws_url(), subprotocols=[V1])
        msg_id = uuid.uuid4().hex
        code = f"open({self.marker!r}, 'w').write('ran')"
        content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}}
        ws.write_message(v1_frame(message("execute_request", {**content, "allow_stdin": False}, msg_id)), binary=True)
        replies = []
        deadline = time.monotonic() + 2
        try:
            while time.monotonic() < deadline:
                frame = await asyncio.wait_for(ws.read_message(), timeout=2)
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

    def execute(self) -> None:
        if not self.kernel_id:
            return
        try:
            replies = asyncio.run(self._execute())
        except Exception as exc:  # refused: as good as ignored
            replies = [f"refused {type(exc).__name__}"]
        self.outcomes["execute_request sent"] += 1
        if "execute_reply" in replies or "execute_result" in replies:
            self.breaches.append(f"execute_request answered: {replies}")

    async def _widget_and_big_frame(self) -> str:
        """A ``comm_open`` for a new widget with a large state (refused: the page did not open
        it), then a 5 MB frame (over the message limit: the socket is closed)."""
        from tornado.websocket import websocket_connect

        ws = await websocket_connect(self._ws_url(), subprotocols=[V1], max_message_size=16 * 1024 * 1024)
        state = {"_model_name": "TextModel", "_model_module": "@jupyter-widgets/controls", "value": "x" * 200_000}
        opened = {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": {"state": state}}
        ws.write_message(v1_frame(message("comm_open", opened)), binary=True)
        await asyncio.sleep(0.5)
        try:
            await ws.write_message(b"\0" * (5 * 1024 * 1024), binary=True)
            closed = await asyncio.wait_for(ws.read_message(), timeout=10) is None
        except Exception:  # the server closed the socket under us
            closed = True
        ws.close()
        return "closed" if closed else "open"

    def widget_and_big_frame(self) -> None:
        if not self.kernel_id:
            return
        outcome = asyncio.run(self._widget_and_big_frame())
        self.outcomes[f"5 MB frame: socket {outcome}"] += 1
        if outcome != "closed":
            self.breaches.append("a 5 MB websocket frame was accepted")

    def page_flood(self) -> None:
        """Page loads as fast as one client can: the rate limit (429) or the kernel cap (503)
        answers, never a new kernel for each."""
        statuses = Counter(self.get("/voila/render/org_analytics.ipynb")[0] for _ in range(12))
        for status, n in statuses.items():
            self.outcomes[f"page flood {status}"] += n
        if not set(statuses) & {429, 503}:
            self.breaches.append(f"12 page loads in a row were all served: {dict(statuses)}")

    ATTACKS = ("theme_xss", "hidden_routes", "legacy_websocket", "execute", "widget_and_big_frame", "page_flood")

    def run(self, stop: threading.Event) -> None:
        try:
            self.own_page()
            while not stop.is_set():
                for name in self.ATTACKS:
                    if stop.is_set():
                        break
                    try:
                        getattr(self, name)()
                    except Exception as exc:
                        if getattr(exc, "code", None) != 404:
                            raise
                        self.outcomes["own kernel culled: a new page"] += 1  # idle without a page: culled
                        self.own_page()
                self.rounds += 1
        except Exception as exc:  # an attacker that crashes is a finding too: report it, do not hide it
            self.outcomes[f"attacker stopped: {type(exc).__name__}: {exc}"] += 1


class Attackers:
    """``with Attackers(url, tmp_path, 2) as group:`` runs them until the block ends."""

    def __init__(self, url: str, marker_dir, count: int):
        self.marker_dir = marker_dir
        self.members = [Attacker(url, marker_dir, n) for n in range(count)]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=a.run, args=(self._stop,), daemon=True) for a in self.members]

    def __enter__(self) -> "Attackers":
        for thread in self._threads:
            thread.start()
        return self

    def wait_rounds(self, rounds: int, timeout: float) -> None:
        """Until every attacker made every attack ``rounds`` times (or ``timeout`` s passed)."""
        deadline = time.monotonic() + timeout
        while min(a.rounds for a in self.members) < rounds and time.monotonic() < deadline:
            time.sleep(0.5)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=180)

    @property
    def breaches(self) -> list[str]:
        found = [b for a in self.members for b in a.breaches]
        found += [f"code ran: {p.name}" for p in self.marker_dir.glob("pwned-*")]
        return found

    @property
    def outcomes(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for attacker in self.members:
            total.update(attacker.outcomes)
        return total
