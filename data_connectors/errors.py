"""Errors a user can act on: each message says what is wrong and what to do."""

from __future__ import annotations

import difflib


class WarehouseError(Exception):
    """The warehouse cannot be opened or read (bad URL, unreachable, missing file)."""


class SchemaError(WarehouseError):
    """A canonical table or column is missing or has the wrong kind of type."""


class QueryTimeout(WarehouseError):
    """A query ran past the deadline and was cancelled."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (engines add plans and stack traces below it), with
    any password or token a URL in it holds replaced by ``***`` (a mistyped URL is echoed back)."""
    from .url import redact

    return redact((str(exc).strip().splitlines() or [type(exc).__name__])[0])


def did_you_mean(bad: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` (case-insensitive as a second
    chance: "spendlogs" -> "SpendLogs"), else an empty string."""
    choices = list(choices)
    close = difflib.get_close_matches(bad, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[c] for c in difflib.get_close_matches(bad.lower(), list(lowered), n=1, cutoff=0.6)]
    return f" (did you mean {close[0]!r}?)" if close else ""
