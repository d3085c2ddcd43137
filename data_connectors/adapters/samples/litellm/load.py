"""The LiteLLM sample as LiteLLM stores it: ``"LiteLLM_SpendLogs"`` and ``"LiteLLM_TeamTable"``.

The CSV files next to this module (made by ``generate.py``; synthetic) are loaded with LiteLLM's
own table names, column names and types (those Prisma creates in PostgreSQL for LiteLLM's
``schema.prisma``: mixed-case quoted names, ``"startTime"``, ``timestamp(3)``, ``jsonb``,
``text[]``), into a new DuckDB file or into a PostgreSQL database::

    python data_connectors/adapters/samples/litellm/load.py /tmp/litellm.duckdb
    org-analytics report --warehouse "mapping:litellm?source=duckdb:///tmp/litellm.duckdb" --month 2026-10
"""

from __future__ import annotations

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
}
_DUCKDB_TYPES = {"JSONB": "JSON", "TEXT[]": "VARCHAR[]", "TIMESTAMP(3)": "TIMESTAMP"}


def _duckdb_type(pg_type: str) -> str:
    base = pg_type.removesuffix(" NOT NULL")
    return _DUCKDB_TYPES.get(base, base)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ddl(table: str, types: dict[str, str]) -> str:
    columns = ", ".join(f"{_q(c)} {t}" for c, t in types.items())
    return f"CREATE TABLE {_q(table)} ({columns}, PRIMARY KEY ({_q(next(iter(types)))}))"


def build_duckdb(path: str | Path) -> Path:
    """Write a new DuckDB file with the two LiteLLM tables; returns its path."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    con = duckdb.connect(str(path))
    try:
        for table, (csv, types) in TABLES.items():
            con.execute(_ddl(table, {c: _duckdb_type(t) for c, t in types.items()}))
            # JSON arrays (text) become lists through JSON; everything else casts from text
            values = ", ".join(
                f"CAST({_q(c)}{'::JSON' if t == 'TEXT[]' else ''} AS {_duckdb_type(t)})" for c, t in types.items()
            )
            con.execute(
                f'INSERT INTO "{table}" SELECT {values} FROM read_csv(?, header = true, all_varchar = true)',
                [str(HERE / csv)],
            )
    finally:
        con.close()
    return path


def load_postgres(con) -> None:
    """Create and fill the two tables in the current schema of ``con`` (a psycopg connection)."""
    source = duckdb.connect()
    for table, (csv, types) in TABLES.items():
        con.execute(_ddl(table, types))
        columns = ", ".join(_q(c) for c in types)
        # arrays arrive as JSON text: jsonb -> text[] in SQL; everything else casts from text
        values = ", ".join(
            "ARRAY(SELECT jsonb_array_elements_text(%s::jsonb))"
            if t == "TEXT[]"
            else f"%s::{t.removesuffix(' NOT NULL')}"
            for t in types.values()
        )
        rows = source.execute(
            "SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(HERE / csv)]
        ).fetchall()
        with con.cursor() as cur:
            cur.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({values})', rows)
    con.execute('CREATE INDEX "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs" ("startTime")')  # as Prisma
    source.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: load.py OUT.duckdb")
    print(build_duckdb(sys.argv[1]))
