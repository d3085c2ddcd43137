"""Setting several traits of a widget and drawing it once.

A widget redraws when any of its data traits changes. ``hold_trait_notifications`` does not help
when several different traits change (it delivers one notification for each), so a month switch
drew most widgets two or three times. A widget's redraw is decorated with ``@renders``; inside
``with batch(widget):`` it is skipped, and called once when the block ends; inside
``with held(widget):`` it is skipped too, and the next change after the block draws it all.
"""

from __future__ import annotations

import contextlib
import functools


def renders(method):
    """Mark a widget's redraw (observer): it does nothing while the widget is in a ``batch``."""

    @functools.wraps(method)
    def redraw(self, *args, **kwargs):
        if getattr(self, "_batching", False):
            return None
        return method(self, *args, **kwargs)

    return redraw


@contextlib.contextmanager
def batch(widget, redraw: str = "_render"):
    """Change any of ``widget``'s traits in the block; it is drawn once, when the block ends
    (not when the block raises: the widget keeps what it showed)."""
    widget._batching = True
    try:
        yield widget
    finally:
        widget._batching = False
    getattr(widget, redraw)()


@contextlib.contextmanager
def held(widget):
    """Change ``widget``'s traits in the block without drawing: the first change after the block
    draws them all (e.g. a page of rows, then the status that says it is ready: one redraw)."""
    widget._batching = True
    try:
        yield widget
    finally:
        widget._batching = False
