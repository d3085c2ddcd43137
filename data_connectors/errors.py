"""Errors a user can act on: each message says what is wrong and what to do."""
from __future__ import annotations


class WarehouseError(Exception):
    """The warehouse cannot be opened or read (bad URL, unreachable, missing file)."""


class SchemaError(WarehouseError):
    """A canonical table or column is missing or has the wrong kind of type."""


class QueryTimeout(WarehouseError):
    """A query ran past the deadline and was cancelled."""
