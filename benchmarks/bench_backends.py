"""Benchmark: `report` for one month on every tested backend, against the DuckDB SQL floor.

    python benchmarks/bench_backends.py                  # 1M items
    python benchmarks/bench_backends.py --items 300000

The demo warehouse (seed 42) is copied to a Parquet folder, into a PostgreSQL server started in a
temp folder (Debian's binaries, as the tests do; `created_at` indexed, as docs/warehouses.md
recommends) and read by Spark in local mode from the Parquet folder. Each backend is measured in a
fresh process: "cold" is the first report (connect, and for Spark the JVM start), "warm" the median
of the next three. Writes benchmarks/RESULTS-backends.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_report import MONTH, _child, ensure_warehouse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()
    from conftest import export_parquet
    from pg import PostgresServer

    path = ensure_warehouse(args.items)
    folder = export_parquet(path, Path(tempfile.mkdtemp(prefix="oa-bench-parquet-")))
    server = PostgresServer()
    try:
        pg_url = server.load_duckdb(path, "bench")
        with server.admin("bench") as admin:
            for table in ("usage_requests", "usage_items"):
                admin.execute(f'CREATE INDEX ON "{table}" (created_at)')
                admin.execute(f'ANALYZE "{table}"')
        rows = [("hand-written DuckDB SQL floor", _child("floor", path))]
        for name, url in (
            ("DuckDB file", f"duckdb://{path}"),
            ("Parquet folder (DuckDB)", f"parquet://{folder}"),
            ("PostgreSQL 15", pg_url),
            ("Spark local[2] (Parquet)", f"spark://local[2]?path={folder}"),
        ):
            rows.append((name, _child("report", url)))
            print(name, rows[-1][1], file=sys.stderr)
    finally:
        server.stop()
    floor = rows[0][1]["warm"]
    lines = [
        f"# report per backend ({args.items:,} items, month {MONTH}, UTC, demo seed 42)",
        "",
        "| backend | cold s | warm s | warm / DuckDB floor | peak RSS MB (client) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {m['cold']:.2f} | {m['warm']:.2f} | {m['warm'] / floor:.1f}x | {m['peak_mb']:.0f} |"
        for name, m in rows
    ]
    table = "\n".join(lines)
    print(table)
    (HERE / "RESULTS-backends.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
