"""A real PostgreSQL server for the tests: initdb + pg_ctl in a temp folder, loopback only.

Debian's server binaries run as the ``postgres`` user (initdb refuses root). Password
authentication is on, so a wrong password really fails. Missing binaries skip the tests locally
and fail them under CI=true.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest

from browser import CI, free_port

SUPERUSER_PASSWORD = "admin-secret"
READER = ("reader", "reader-secret")
COLUMN_TYPES = {"VARCHAR": "text", "TIMESTAMP": "timestamp", "DOUBLE": "double precision", "BIGINT": "bigint"}


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if CI:
            pytest.fail(message + " — CI=true: backend tests may not skip")
        pytest.skip(message)
    return Path(found[-1]).parent


def _as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, **kwargs)


class PostgresServer:
    def __init__(self):
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="oa-pg-", dir="/tmp"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(SUPERUSER_PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres")
        _as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.root / "data"),
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.start()

    def start(self) -> None:
        _as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-l",
            str(self.root / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def pause(self) -> None:
        """Stop the server (sessions are cut off), keeping its data for ``start``."""
        _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def url(self, database: str, user: tuple[str, str] = READER, schema: str | None = None) -> str:
        query = f"?schema={schema}" if schema else ""
        return f"postgres://{user[0]}:{user[1]}@127.0.0.1:{self.port}/{database}{query}"

    def admin(self, database: str = "postgres"):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            password=SUPERUSER_PASSWORD,
            dbname=database,
            autocommit=True,
        )

    def load_duckdb(self, duckdb_path: Path, database: str) -> str:
        """Copy the four tables of a DuckDB file into a new database; returns the reader's URL."""
        with self.admin() as con:
            con.execute(f'CREATE DATABASE "{database}"')
            if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER[0]]).fetchone():
                con.execute(f"CREATE ROLE {READER[0]} LOGIN PASSWORD '{READER[1]}'")
        source = duckdb.connect(str(duckdb_path), read_only=True)
        with self.admin(database) as con:
            for table in ("projects", "agents", "usage_requests", "usage_items"):
                columns = source.execute(f"DESCRIBE {table}").fetchall()
                ddl = ", ".join(f'"{name}" {COLUMN_TYPES[kind]}' for name, kind, *_ in columns)
                con.execute(f'CREATE TABLE "{table}" ({ddl})')
                csv_path = self.root / f"{database}-{table}.csv"
                source.execute(f"COPY {table} TO '{csv_path}' (HEADER, FORMAT csv)")
                with con.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT csv, HEADER true)') as copy:
                    copy.write(csv_path.read_bytes())
                con.execute(f'GRANT SELECT ON "{table}" TO {READER[0]}')
            con.execute(f"GRANT USAGE ON SCHEMA public TO {READER[0]}")
        source.close()
        return self.url(database)

    def stop(self) -> None:
        try:
            _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
