"""Slow checks beside the page: run on a thread of their own while the kernel keeps answering.

A page's kernel handles the viewer's messages one at a time on its event loop: a query that takes
seconds there (the integrity badge's anti-joins over a month of raw usage at 100M items) would make
the viewer's next click wait. Where the warehouse can run a query beside its connection's own
(``Warehouse.runs_apart``: DuckDB), such a check runs on one worker thread per kernel, and its
answer is handed back to the event loop, where the widgets are changed. Elsewhere, or without a
running event loop (a script, a test), the caller runs it in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from data_connectors.errors import first_line

_worker: ThreadPoolExecutor | None = None  # one per kernel: checks queue behind each other, never pile up


def in_event_loop() -> bool:
    """Whether this runs inside a running event loop (a kernel handling a message or a cell)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def check_apart(
    check: Callable[[], dict],
    show: Callable[[dict, str], None],
    still_wanted: Callable[[], bool],
    runs_apart: bool,
) -> bool:
    """Run ``check()`` on the worker thread and ``show(result, error)`` on the event loop after it
    (``error``: a failure's first line, ``result`` then ``{}``); a check no longer ``still_wanted()``
    when its turn comes (the viewer moved on) is skipped. False, having run nothing, when the
    check cannot run apart here: the caller runs it itself."""
    global _worker
    if not runs_apart:
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    if _worker is None:
        _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oa-check")

    def work() -> None:
        if not still_wanted():
            return
        try:
            result, error = check(), ""
        except Exception as exc:  # said beside the numbers, never raised into the page
            result, error = {}, first_line(exc).rstrip(".")
        try:
            loop.call_soon_threadsafe(show, result, error)
        except RuntimeError:  # the kernel is shutting down
            pass

    _worker.submit(work)
    return True
