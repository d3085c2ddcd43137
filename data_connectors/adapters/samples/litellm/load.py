"""The LiteLLM sample as LiteLLM stores it: ``"LiteLLM_SpendLogs"``, ``"LiteLLM_TeamTable"``,
``"LiteLLM_DeletedTeamTable"``, ``"LiteLLM_AgentsTable"`` and ``"LiteLLM_ProjectTable"``.

The CSV files next to this module (made by ``generate.py``; synthetic), or rows given as dicts,
are loaded with LiteLLM's own table names, column names and types (those Prisma creates in
PostgreSQL for LiteLLM's ``schema.prisma``: mixed-case quoted names, ``"startTime"``,
``timestamp(3)``, ``jsonb``, ``text[]``), into a new DuckDB file or into a PostgreSQL database.
``older=True`` gives a database as LiteLLM had it before about May 2025: no ``status``,
``session_id``, ``agent_id`` (and later) columns in the spend logs, no deleted-teams, agents or
projects table::

    python data_connectors/adapters/samples/litellm/load.py /tmp/litellm.duckdb
    org-analytics report --warehouse "mapping:litellm?source=duckdb:///tmp/litellm.duckdb" --month 2026-10
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent

# table -> (CSV file, {column: PostgreSQL type as Prisma creates it})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "LiteLLM_TeamTable": (
        "teams.csv",
        {
            "team_id": "TEXT NOT NULL",
            "team_alias": "TEXT",
            "organization_id": "TEXT",
            "admins": "TEXT[]",
            "members": "TEXT[]",
            "metadata": "JSONB",
            "max_budget": "DOUBLE PRECISION",
            "spend": "DOUBLE PRECISION",
            "models": "TEXT[]",
            "budget_duration": "TEXT",
            "budget_reset_at": "TIMESTAMP(3)",
            "blocked": "BOOLEAN",
            "created_at": "TIMESTAMP(3)",
            "updated_at": "TIMESTAMP(3)",
        },
    ),
    "LiteLLM_SpendLogs": (
        "spend_logs.csv",
        {
            "request_id": "TEXT NOT NULL",
            "call_type": "TEXT",
            "api_key": "TEXT",
            "spend": "DOUBLE PRECISION",
            "total_tokens": "INTEGER",
            "prompt_tokens": "INTEGER",
            "completion_tokens": "INTEGER",
            "startTime": "TIMESTAMP(3)",
            "endTime": "TIMESTAMP(3)",
            "request_duration_ms": "INTEGER",
            "completionStartTime": "TIMESTAMP(3)",
            "model": "TEXT",
            "model_id": "TEXT",
            "model_group": "TEXT",
            "custom_llm_provider": "TEXT",
            "api_base": "TEXT",
            "user": "TEXT",
            "metadata": "JSONB",
            "cache_hit": "TEXT",
            "cache_key": "TEXT",
            "request_tags": "JSONB",
            "team_id": "TEXT",
            "organization_id": "TEXT",
            "end_user": "TEXT",
            "requester_ip_address": "TEXT",
            "messages": "JSONB",
            "response": "JSONB",
            "session_id": "TEXT",
            "status": "TEXT",
            "mcp_namespaced_tool_name": "TEXT",
            "agent_id": "TEXT",
            "proxy_server_request": "JSONB",
        },
    ),
    "LiteLLM_DeletedTeamTable": (
        "deleted_teams.csv",
        {
            "id": "TEXT NOT NULL",
            "team_id": "TEXT NOT NULL",
            "team_alias": "TEXT",
            "organization_id": "TEXT",
            "admins": "TEXT[]",
            "members": "TEXT[]",
            "metadata": "JSONB",
            "max_budget": "DOUBLE PRECISION",
            "spend": "DOUBLE PRECISION",
            "models": "TEXT[]",
            "budget_duration": "TEXT",
            "budget_reset_at": "TIMESTAMP(3)",
            "blocked": "BOOLEAN",
            "created_at": "TIMESTAMP(3)",
            "updated_at": "TIMESTAMP(3)",
            "deleted_at": "TIMESTAMP(3)",
            "deleted_by": "TEXT",
        },
    ),
    "LiteLLM_AgentsTable": (
        "agents.csv",
        {
            "agent_id": "TEXT NOT NULL",
            "agent_name": "TEXT NOT NULL",
            "litellm_params": "JSONB",
            "agent_card_params": "JSONB",
            "spend": "DOUBLE PRECISION",
            "created_at": "TIMESTAMP(3)",
            "created_by": "TEXT",
            "updated_at": "TIMESTAMP(3)",
            "updated_by": "TEXT",
        },
    ),
    "LiteLLM_ProjectTable": (
        "projects.csv",
        {
            "project_id": "TEXT NOT NULL",
            "project_alias": "TEXT",
            "description": "TEXT",
            "team_id": "TEXT",
            "metadata": "JSONB",
            "models": "TEXT[]",
            "spend": "DOUBLE PRECISION",
            "blocked": "BOOLEAN",
            "created_at": "TIMESTAMP(3)",
            "created_by": "TEXT",
            "updated_at": "TIMESTAMP(3)",
            "updated_by": "TEXT",
        },
    ),
}
# what a database of LiteLLM before about May 2025 lacks
NEWER_TABLES = ("LiteLLM_DeletedTeamTable", "LiteLLM_AgentsTable", "LiteLLM_ProjectTable")
NEWER_SPEND_LOG_COLUMNS = (
    "status",
    "session_id",
    "agent_id",
    "mcp_namespaced_tool_name",
    "request_duration_ms",
    "organization_id",
    "proxy_server_request",
)
_DUCKDB_TYPES = {"JSONB": "JSON", "TEXT[]": "VARCHAR[]", "TIMESTAMP(3)": "TIMESTAMP"}


def _duckdb_type(pg_type: str) -> str:
    base = pg_type.removesuffix(" NOT NULL")
    return _DUCKDB_TYPES.get(base, base)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ddl(table: str, types: dict[str, str]) -> str:
    columns = ", ".join(f"{_q(c)} {t}" for c, t in types.items())
    return f"CREATE TABLE {_q(table)} ({columns}, PRIMARY KEY ({_q(next(iter(types)))}))"


def _tables(older: bool) -> dict[str, dict[str, str]]:
    """table -> {column: PostgreSQL type} of the database LiteLLM creates (``older``: before May 2025)."""
    out = {}
    for table, (_, types) in TABLES.items():
        if older and table in NEWER_TABLES:
            continue
        if older and table == "LiteLLM_SpendLogs":
            types = {c: t for c, t in types.items() if c not in NEWER_SPEND_LOG_COLUMNS}
        out[table] = types
    return out


# text columns of the spend logs that LiteLLM writes as "" rather than null (schema.prisma defaults,
# and get_logging_payload's `... or ""`): an empty CSV cell there is "", elsewhere null
EMPTY_TEXT = {
    "LiteLLM_SpendLogs": {
        "api_key",
        "model",
        "model_id",
        "model_group",
        "custom_llm_provider",
        "api_base",
        "user",
        "cache_hit",
        "cache_key",
        "team_id",
        "organization_id",
        "end_user",
    }
}


def sample_rows(table: str) -> list[dict]:
    """The rows of ``table`` in the sample CSV (text values; an empty cell as None, or as "" in the
    columns LiteLLM fills with "")."""
    keep = EMPTY_TEXT.get(table, set())
    with (HERE / TABLES[table][0]).open(encoding="utf-8", newline="") as f:
        return [{k: (None if v == "" and k not in keep else v) for k, v in row.items()} for row in csv.DictReader(f)]


def _values(rows: list[dict], types: dict[str, str]) -> list[tuple]:
    """Rows as text tuples in the column order of ``types`` (lists and dicts as JSON text)."""
    import json

    out = []
    for row in rows:
        values = []
        for column in types:
            value = row.get(column)
            if isinstance(value, (list, dict)):
                value = json.dumps(value)
            elif value is not None and not isinstance(value, str):
                value = str(value)
            values.append(value)
        out.append(tuple(values))
    return out


def build_duckdb(path: str | Path, rows: dict[str, list[dict]] | None = None, older: bool = False) -> Path:
    """Write a new DuckDB file with LiteLLM's tables (the sample's rows, or ``rows``: table -> dicts
    of column -> value, a missing column null); returns its path."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    con = duckdb.connect(str(path))
    try:
        for table, types in _tables(older).items():
            con.execute(_ddl(table, {c: _duckdb_type(t) for c, t in types.items()}))
            data = _values(rows.get(table, []) if rows is not None else sample_rows(table), types)
            if not data:
                continue
            # JSON arrays (text) become lists through JSON; everything else casts from text
            marks = ", ".join(
                f"CAST(?{'::JSON' if t == 'TEXT[]' else ''} AS {_duckdb_type(t)})" for t in types.values()
            )
            con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', data)
    finally:
        con.close()
    return path


def load_postgres(con, rows: dict[str, list[dict]] | None = None, older: bool = False) -> None:
    """Create and fill LiteLLM's tables in the current schema of ``con`` (a psycopg connection)."""
    for table, types in _tables(older).items():
        con.execute(_ddl(table, types))
        columns = ", ".join(_q(c) for c in types)
        # arrays arrive as JSON text: jsonb -> text[] in SQL; everything else casts from text
        values = ", ".join(
            "ARRAY(SELECT jsonb_array_elements_text(%s::jsonb))"
            if t == "TEXT[]"
            else f"%s::{t.removesuffix(' NOT NULL')}"
            for t in types.values()
        )
        data = _values(rows.get(table, []) if rows is not None else sample_rows(table), types)
        with con.cursor() as cur:
            cur.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({values})', data)
    # LiteLLM's own indexes on the spend logs (schema.prisma @@index)
    con.execute('CREATE INDEX "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs" ("startTime")')
    if not older:
        con.execute('CREATE INDEX "LiteLLM_SpendLogs_session_id_idx" ON "LiteLLM_SpendLogs" ("session_id")')


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--older"):
        sys.exit("usage: load.py OUT.duckdb [--older]")
    print(build_duckdb(sys.argv[1], older=len(sys.argv) == 3))
