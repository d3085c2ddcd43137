"""``org-analytics``: report, demo-data, serve and import. Thin wiring; errors are one line, exit code 2."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import sys
import time
from datetime import timedelta

from data_connectors import WarehouseError
from data_connectors.errors import first_line

from .period import PeriodError, current_month


class UsageError(Exception):
    """Bad command-line input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage block
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


MIN_IDLE_TIMEOUT = 30


def _idle_timeout(text: str) -> int:
    """A viewer's kernel is culled once idle this long with no page connected, which includes the
    wait between rendering a page and a (busy) browser connecting to it: shorter breaks pages."""
    value = _positive_int(text)
    if value < MIN_IDLE_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_IDLE_TIMEOUT} seconds, got {text!r}")
    return value


def _cmd_report(args) -> int:
    from data_connectors import connect

    from .period import Period
    from .report import to_report
    from .snapshot import Snapshot

    month = args.month or current_month(args.timezone, args.now)
    period = Period.for_month(month, args.timezone, args.now)  # validate input before connecting
    from .rollups import open_rollups

    warehouse = connect(args.warehouse)
    try:
        rollups = open_rollups(args.rollups)
        with warehouse.deadline():
            report = to_report(Snapshot.compute(warehouse, period, rollups))
    finally:
        warehouse.close()
    json.dump(report, sys.stdout, indent=2 if args.pretty else None, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _cmd_rollup(args) -> int:
    from data_connectors import connect

    from .rollups import build, rollup_path, use_build_memory

    out = rollup_path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: no folder {out.parent}")
    use_build_memory()
    warehouse = connect(args.warehouse)
    try:
        summary = build(warehouse, out, late_window=timedelta(hours=args.late_window), full=args.full,
                        progress=lambda table: print(f"org-analytics: rollup: {table}", file=sys.stderr))
    finally:
        warehouse.close()
    what = f"refreshed from {summary.since:%Y-%m-%d %H:%M} UTC" if summary.since else "built"
    rows = ", ".join(f"{n:,} {table.removeprefix('rollup_')}" for table, n in summary.rows.items())
    print(f"{what} {summary.path} in {summary.seconds:.1f} s: {rows}", file=sys.stderr)
    return 0


def _progress_bar(message: str, fraction: float) -> None:
    width = 30
    done = int(width * max(0.0, min(1.0, fraction)))
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {fraction * 100:5.1f}%  {message[:50]:<50}")
    if fraction >= 1:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _cmd_demo_data(args) -> int:
    from data_connectors.demo import generate_demo

    started = time.perf_counter()
    counts = generate_demo(args.out, items=args.items, seed=args.seed, progress=_progress_bar)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"wrote {args.out}: {summary} in {elapsed:.1f} s", file=sys.stderr)
    return 0


def _cmd_import_openai(args) -> int:
    from data_connectors.adapters.openai_usage import import_openai

    summary = import_openai(args.files, args.out, force=args.force)
    written = ", ".join(f"{n:,} {table}" for table, n in summary.counts.items())
    currency = f"; costs in {summary.currency}" if summary.currency else ""
    print(f"wrote {summary.out}: {written}{currency} (open it as parquet://{summary.out})", file=sys.stderr)
    for note in summary.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _cmd_serve(args) -> int:
    from data_connectors import ENV_VAR, connect

    from .period import parse_zone

    parse_zone(args.timezone)
    from .rollups import ENV_VAR as ROLLUPS_ENV_VAR, open_rollups, rollup_path

    connect(args.warehouse).close()  # fail here, in one line, rather than in every page
    env = dict(os.environ, ORG_ANALYTICS_TIMEZONE=args.timezone)
    if args.warehouse:
        env[ENV_VAR] = args.warehouse
    if args.rollups:
        open_rollups(args.rollups).close()
        env[ROLLUPS_ENV_VAR] = str(rollup_path(args.rollups).resolve())
    print(f"org-analytics: serving the dashboard on http://127.0.0.1:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    from .server import voila_arguments

    command = [sys.executable, "-m", "org_analytics_widgets.server",
               *voila_arguments(str(NOTEBOOKS), args.port, not args.no_browser, args.idle_timeout)]
    os.execve(command[0], command, env)  # become Voilà: signals reach it and it shuts its kernels down


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="org-analytics", description="Organization Analytics over a usage warehouse.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    report = sub.add_parser("report", help="print one month's numbers as JSON (data contract, section 4)")
    report.add_argument("--month", help="YYYY-MM (default: the current month in the org time zone)")
    report.add_argument("--warehouse", help="duckdb:///file.duckdb or parquet:///dir (default: $ORG_ANALYTICS_WAREHOUSE, else the demo)")
    report.add_argument("--timezone", default="UTC", help="IANA time zone of the organisation (default UTC)")
    report.add_argument("--now", help="ISO 8601 instant used as 'now' for the current month (default: real time)")
    report.add_argument("--rollups", metavar="FILE", help="rollups built by 'org-analytics rollup', used when fresh "
                        "(default: $ORG_ANALYTICS_ROLLUPS)")
    report.add_argument("--pretty", action="store_true", help="indent the JSON")
    report.set_defaults(run=_cmd_report)

    rollup = sub.add_parser("rollup", help="build or refresh the rollups that make large warehouses fast")
    rollup.add_argument("--warehouse", help="warehouse URL (default: $ORG_ANALYTICS_WAREHOUSE, else the demo)")
    rollup.add_argument("--out", required=True, metavar="FILE",
                        help="DuckDB file of the rollups (path or duckdb:///path); refreshed if it exists")
    rollup.add_argument("--late-window", type=_positive_int, default=48, metavar="HOURS",
                        help="on refresh, also recompute this many hours before the newest row seen (default 48)")
    rollup.add_argument("--full", action="store_true", help="rebuild from scratch instead of refreshing")
    rollup.set_defaults(run=_cmd_rollup)

    demo = sub.add_parser("demo-data", help="generate a demo warehouse (DuckDB file)")
    demo.add_argument("--out", required=True, help="path of the DuckDB file to write")
    demo.add_argument("--items", type=_positive_int, default=300_000, help="approximate number of usage items")
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(run=_cmd_demo_data)
    serve = sub.add_parser("serve", help="serve the dashboard read-only with Voilà")
    serve.add_argument("--warehouse", help="warehouse URL (default: $ORG_ANALYTICS_WAREHOUSE, else the demo)")
    serve.add_argument("--timezone", default="UTC", help="IANA time zone of the organisation (default UTC)")
    serve.add_argument("--rollups", metavar="FILE", help="rollups built by 'org-analytics rollup', used when fresh "
                       "(default: $ORG_ANALYTICS_ROLLUPS)")
    serve.add_argument("--port", type=_positive_int, default=8866)
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser")
    serve.add_argument("--idle-timeout", type=_idle_timeout, default=600, metavar="SECONDS",
                       help="shut down a viewer's kernel after this long without activity (default 600)")
    serve.set_defaults(run=_cmd_serve)

    importer = sub.add_parser("import", help="convert exported usage data into a Parquet warehouse")
    sources = importer.add_subparsers(dest="source", required=True, parser_class=_Parser)
    openai = sources.add_parser("openai", help="OpenAI Usage API and Costs API pages (and Projects API lists)")
    openai.add_argument("files", nargs="+", metavar="FILE",
                        help="JSON pages, JSON lists of pages or JSON Lines, as the APIs return them")
    openai.add_argument("--out", required=True, metavar="DIR", help="folder to create (open it as parquet:///DIR)")
    openai.add_argument("--force", action="store_true", help="replace an earlier import in DIR")
    openai.set_defaults(run=_cmd_import_openai)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input or unusable warehouse, 1 other failure)."""
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except (UsageError, PeriodError, WarehouseError) as exc:
        print(f"org-analytics: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("org-analytics: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a query failed inside the engine: say so in one line
        if os.environ.get("ORG_ANALYTICS_DEBUG"):
            raise
        first = first_line(exc)
        print(f"org-analytics: error: {type(exc).__name__}: {first} (set ORG_ANALYTICS_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
