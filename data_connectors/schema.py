"""The canonical warehouse schema (data contract, section 1) and its validation.

Each column is declared by *kind* rather than exact type, so that a warehouse may store
costs as DECIMAL or DOUBLE, ids as VARCHAR or TEXT, timestamps with or without a zone.
"""

from __future__ import annotations

import ibis.expr.datatypes as dt

from .errors import SchemaError

TABLES: dict[str, dict[str, str]] = {
    "projects": {
        "project_id": "string",
        "name": "string",
        "color": "string",
        "monthly_budget": "number",
        "created_at": "timestamp",
        "archived_at": "timestamp",
    },
    "agents": {
        "agent_id": "string",
        "project_id": "string",
        "name": "string",
    },
    "usage_requests": {
        "request_id": "string",
        "created_at": "timestamp",
        "project_id": "string",
        "service_type": "string",
        "model": "string",
        "agent_id": "string",
        "conversation_id": "string",
        "input_tokens": "integer",
        "output_tokens": "integer",
        "cost": "number",
        "status": "string",
    },
    "usage_items": {
        "item_id": "string",
        "request_id": "string",
        "created_at": "timestamp",
        "project_id": "string",
        "agent_id": "string",
        "service_type": "string",
        "model": "string",
        "pricing_rule": "string",
        "quantity": "number",
        "unit": "string",
        "unit_price": "number",
        "cost": "number",
    },
}

#: ``usage_requests.status`` values the contract knows (docs/data-contract.md, "Request status"):
#: null counts as success; only ``error`` is a failure (counted in failed_requests, its tokens left
#: out of total_tokens); any other value is a request that did not fail
STATUS_SUCCESS = "success"
STATUS_CACHE_HIT = "cache_hit"
STATUS_ERROR = "error"
STATUSES = (STATUS_SUCCESS, STATUS_CACHE_HIT, STATUS_ERROR)

#: what a KPI means where a source gives it a meaning of its own, shown on the KPI card's tooltip:
#: a canonical warehouse's here; a mapping file's ``[kpi_notes]`` (same keys) say it for its source.
#: docs/warehouses.md says the same texts, per source (tests/test_kpi_notes.py)
KPI_NOTES = {
    "total_conversations": (
        "Distinct conversation ids (usage_requests.conversation_id) among the month's requests: "
        "requests that share one are one conversation; a request without one is in none."
    ),
}
#: the key of a Parquet file's key-value metadata under which an import (``import openai``,
#: ``import anthropic``) writes its KPI notes as JSON, read back by the parquet backend
KPI_NOTES_KEY = "org_analytics.kpi_notes"

_KIND_NAMES = {
    "string": "a string",
    "number": "a number (decimal, float or integer)",
    "integer": "an integer",
    "timestamp": "a timestamp",
}


def _matches(kind: str, dtype: dt.DataType) -> bool:
    if dtype.is_null():  # an all-null column (e.g. an empty Parquet file) fits any kind
        return True
    if kind == "string":
        return dtype.is_string()
    if kind == "integer":
        return dtype.is_integer()
    if kind == "number":
        return dtype.is_numeric()
    if kind == "timestamp":
        return dtype.is_timestamp()
    raise ValueError(kind)


def validate_table(table_name: str, schema) -> None:
    """Raise SchemaError naming the first missing or mistyped column of ``table_name``."""
    for column, kind in TABLES[table_name].items():
        if column not in schema:
            raise SchemaError(
                f"warehouse table {table_name} has no column '{column}' (expected {_KIND_NAMES[kind]}); "
                "see docs/data-contract.md for the canonical schema"
            )
        dtype = schema[column]
        if not _matches(kind, dtype):
            raise SchemaError(
                f"warehouse table {table_name} column '{column}' is {dtype} "
                f"but should be {_KIND_NAMES[kind]}; see docs/data-contract.md"
            )
