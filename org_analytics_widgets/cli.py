"""``org-analytics``: report, export, summary, rollup, demo-data, serve and import. Thin wiring; errors are one line, exit code 2.

Only the standard library is imported here: ``--help`` and ``--version`` must answer at once, and
Ibis, pandas, DuckDB and the connectors take a second or more to import, so each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from datetime import timedelta
from importlib.metadata import version

from .period import PeriodError, parse_month
from .progress import Progress

WAREHOUSE_URLS = """\
warehouse URLs (--warehouse):
  duckdb:///path/file.duckdb      a DuckDB file, opened read-only
  parquet:///dir[?table=GLOB]     Parquet files per table (file, folder or glob)
  postgres://user:pw@host:5432/db[?schema=s&sslmode=...]
                                  PostgreSQL, in a read-only session
  spark://local[2]?path=DIR       Spark in local mode
  sc://host:15002?path=DIR        a Spark cluster through Spark Connect
  mapping:litellm?source=URL      LiteLLM's spend logs mapped onto the tables
  mapping:///path/mapping.toml    your own schema mapped by a TOML file
  ibis+<url>                      any Ibis backend, e.g. ibis+clickhouse://...,
                                  ibis+trino://...
  default: $ORG_ANALYTICS_WAREHOUSE, else the embedded demo (made on first use)
"""
WAREHOUSE_HELP = "warehouse URL, forms below (default: $ORG_ANALYTICS_WAREHOUSE, else the embedded demo)"
ROLLUPS_HELP = "rollups built by 'org-analytics rollup', used when fresh (default: $ORG_ANALYTICS_ROLLUPS)"
TIMEZONE_HELP = "IANA time zone of the organisation (default: %(default)s)"


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


def _proxy_address(text: str) -> str:
    import ipaddress

    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address or network: {text!r}") from None
    return text


def _max_kernels(text: str) -> int:
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2 (the preheated kernel and one page), got {text!r}")
    return value


def _header_name(text: str) -> str:
    if not text or not all(c.isalnum() or c == "-" for c in text):
        raise argparse.ArgumentTypeError(f"a header name has letters, digits and '-' only, got {text!r}")
    return text


def _ensure_demo(warehouse: str | None) -> None:
    """Without a warehouse the embedded demo is used: its first use generates it, with progress."""
    from data_connectors import ENV_VAR
    from data_connectors.demo import ensure_demo

    if not (warehouse or os.environ.get(ENV_VAR)):
        with Progress("demo") as progress:
            ensure_demo(progress=progress.fraction)


def _zone_note(rollups, timezone: str) -> None:
    note = rollups.zone_note(timezone) if rollups is not None else None
    if note:
        print(f"org-analytics: {note}", file=sys.stderr)


@contextlib.contextmanager
def _month_engine(args):
    """The engine a month command asks (``--project``: restricted to those projects, which must exist)."""
    from .engine import Engine

    if args.month:
        parse_month(args.month)  # a bad month is reported before connecting (or generating the demo)
    _ensure_demo(args.warehouse)
    with Engine.open(warehouse=args.warehouse, rollups=args.rollups, timezone=args.timezone, now=args.now) as engine:
        _zone_note(engine.rollups, args.timezone)
        if not args.project:
            yield engine
            return
        projects = engine.warehouse.projects
        known = set(engine.warehouse.execute(projects.filter(projects.project_id.isin(args.project)).project_id))
        missing = [p for p in args.project if p not in known]
        if missing:
            raise UsageError(f"--project {missing[0]}: no such project id in the warehouse")
        yield engine.restricted_to(args.project)


def _cmd_report(args) -> int:
    from .report import project_report

    with _month_engine(args) as engine:
        report = engine.report(args.month)  # None: the current month
        if len(set(args.project or ())) == 1:  # one project's report: what its view on the page shows
            report["project"] = project_report(engine.project_month(args.project[0], args.month), report["forecast"])
    json.dump(report, sys.stdout, indent=2 if args.pretty else None, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _cmd_export(args) -> int:
    from pathlib import Path

    from .static_report import PdfError, render, write_pdf

    out = Path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: no folder {out.parent}")
    with _month_engine(args) as engine:
        snap = engine.month(args.month)
        forecast = engine.forecast(snap.period, snap)  # None for a closed month
    title = "Organization Analytics" if not args.project else f"Organization Analytics: {', '.join(args.project)}"
    page = render(snap, title=title, forecast=forecast)
    if args.format == "html":
        out.write_text(page, encoding="utf-8")
    else:
        try:
            write_pdf(page, out)
        except PdfError as exc:
            raise UsageError(str(exc)) from None
    print(f"wrote {out} ({out.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


def _cmd_summary(args) -> int:
    from .summary import summary_text

    with _month_engine(args) as engine:
        snap = engine.month(args.month)
        print(summary_text(snap, engine.forecast(snap.period, snap)))
    return 0


def _cmd_rollup(args) -> int:
    from data_connectors import connect

    from .period import parse_zone
    from .rollups import build, rollup_path, use_build_memory

    parse_zone(args.timezone)
    out = rollup_path(args.out)
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: no folder {out.parent}")
    use_build_memory()
    _ensure_demo(args.warehouse)
    warehouse = connect(args.warehouse)
    try:
        with Progress("rollup") as progress:
            summary = build(
                warehouse,
                out,
                late_window=timedelta(hours=args.late_window),
                full=args.full,
                progress=progress,
                timezone=args.timezone,
            )
    finally:
        warehouse.close()
    if summary.unchanged:
        print(f"nothing new since the last build: {summary.path} unchanged ({summary.seconds:.1f} s)", file=sys.stderr)
        return 0
    what = f"refreshed from {summary.since:%Y-%m-%d %H:%M} UTC" if summary.since else "built"
    rows = ", ".join(f"{n:,} {table.removeprefix('rollup_')}" for table, n in summary.rows.items())
    print(f"{what} {summary.path} in {summary.seconds:.1f} s: {rows}", file=sys.stderr)
    return 0


def _cmd_demo_data(args) -> int:
    from data_connectors.demo import generate_demo

    started = time.perf_counter()
    with Progress("demo-data") as progress:
        counts = generate_demo(args.out, items=args.items, seed=args.seed, progress=progress.fraction)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"wrote {args.out}: {summary} in {elapsed:.1f} s", file=sys.stderr)
    return 0


def _cmd_import_openai(args) -> int:
    from data_connectors.adapters.openai_usage import import_openai

    return _imported(import_openai(args.files, args.out, force=args.force))


def _cmd_import_anthropic(args) -> int:
    from data_connectors.adapters.anthropic_usage import import_anthropic

    return _imported(import_anthropic(args.files, args.out, force=args.force))


def _imported(summary) -> int:
    """What an import wrote, its currency and its notes, on stderr."""
    written = ", ".join(f"{n:,} {table}" for table, n in summary.counts.items())
    currency = f"; costs in {summary.currency}" if summary.currency else ""
    print(f"wrote {summary.out}: {written}{currency} (open it as parquet://{summary.out})", file=sys.stderr)
    for note in summary.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


# read by the kernels (access.py): the header that names the viewer, the policy file that scopes them
AUTH_HEADER_ENV_VAR = "ORG_ANALYTICS_AUTH_HEADER"
POLICY_ENV_VAR = "ORG_ANALYTICS_POLICY"
TOKEN_ENV_VAR = "ORG_ANALYTICS_TOKEN"  # read (and removed from the kernels' environment) by server.main


def _serve_access(args, env: dict) -> str:
    """Put the access options into the server's environment; returns the address to print."""
    import secrets
    from pathlib import Path
    from urllib.parse import quote

    address = f"http://127.0.0.1:{args.port}/"
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV_VAR, "")
    if token == "auto":
        token = secrets.token_urlsafe(24)
        address += f"?token={quote(token)}"
    elif token:
        address += " (with ?token=<your token>)"
    env.pop(TOKEN_ENV_VAR, None)
    if token:
        env[TOKEN_ENV_VAR] = token
    for name in (AUTH_HEADER_ENV_VAR, POLICY_ENV_VAR):  # from serve's options only
        env.pop(name, None)
    if args.policy and not args.auth_header:
        raise UsageError("--policy needs --auth-header: a policy scopes users, and users come from the auth proxy")
    if args.auth_header:
        env[AUTH_HEADER_ENV_VAR] = args.auth_header
    if args.policy:
        policy = Path(args.policy)
        if not policy.is_file():
            raise UsageError(f"policy file {args.policy} does not exist")
        from .access import Policy, PolicyError

        try:
            Policy.load(policy)  # a mistake is said now, not by every page
        except PolicyError as exc:
            raise UsageError(str(exc)) from None
        env[POLICY_ENV_VAR] = str(policy.resolve())
    return address


def _cmd_serve(args) -> int:
    from data_connectors import ENV_VAR, connect

    from .period import parse_zone
    from .rollups import ENV_VAR as ROLLUPS_ENV_VAR, open_rollups, rollup_path
    from .server import voila_arguments

    env = dict(os.environ, ORG_ANALYTICS_TIMEZONE=args.timezone)
    address = _serve_access(args, env)
    parse_zone(args.timezone)
    _ensure_demo(args.warehouse)
    connect(args.warehouse).close()  # fail here, in one line, rather than in every page
    if args.warehouse:
        env[ENV_VAR] = args.warehouse
    if args.rollups:
        rollups = open_rollups(args.rollups)
        rollups.close()
        _zone_note(rollups, args.timezone)
        env[ROLLUPS_ENV_VAR] = str(rollup_path(args.rollups).resolve())
    print(f"org-analytics: serving the dashboard on {address} (Ctrl-C stops)", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    command = [
        sys.executable,
        "-P",  # nothing is imported from the working directory (a json.py there would replace the module)
        "-m",
        "org_analytics_widgets.server",
        *voila_arguments(
            args.port,
            not args.no_browser,
            args.idle_timeout,
            allowed_hosts=args.allow_host,
            auth_header=args.auth_header,
            trusted_proxies=args.trusted_proxy or ["127.0.0.1"],
            max_kernels=args.max_kernels,
            page_loads_per_minute=args.page_loads_per_minute,
        ),
    ]
    os.execve(command[0], command, env)  # become Voilà: signals reach it and it shuts its kernels down


def _command(sub, name: str, summary: str, warehouse: bool = False) -> argparse.ArgumentParser:
    """A subcommand; one that reads a warehouse takes ``--warehouse`` and lists the URL forms."""
    command = sub.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=WAREHOUSE_URLS if warehouse else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if warehouse:
        command.add_argument("--warehouse", metavar="URL", help=WAREHOUSE_HELP)
    return command


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="org-analytics",
        description="Organization Analytics over a usage warehouse.",
        epilog=WAREHOUSE_URLS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"org-analytics {version('org-analytics')}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    report = _command(sub, "report", "print one month's numbers as JSON (data contract, section 4)", warehouse=True)
    report.add_argument("--month", help="YYYY-MM (default: the current month in the org time zone)")
    report.add_argument("--timezone", default="UTC", metavar="ZONE", help=TIMEZONE_HELP)
    report.add_argument("--now", help="ISO 8601 instant used as 'now' for the current month (default: real time)")
    report.add_argument("--rollups", metavar="FILE", help=ROLLUPS_HELP)
    report.add_argument("--pretty", action="store_true", help="indent the JSON")
    report.set_defaults(run=_cmd_report)
    export = _command(sub, "export", "write one month as a self-contained HTML or PDF report", warehouse=True)
    summary = _command(sub, "summary", "print one month's KPIs as a short message (for chat)", warehouse=True)
    for command in (export, summary):
        command.add_argument("--month", help="YYYY-MM (default: the current month in the org time zone)")
        command.add_argument("--timezone", default="UTC", metavar="ZONE", help=TIMEZONE_HELP)
        command.add_argument("--now", help="ISO 8601 instant used as 'now' for the current month (default: real time)")
        command.add_argument("--rollups", metavar="FILE", help=ROLLUPS_HELP)
    export.add_argument("--format", choices=("html", "pdf"), default="html", help="default: %(default)s")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export.set_defaults(run=_cmd_export)
    summary.set_defaults(run=_cmd_summary)
    for command in (report, export, summary):
        command.add_argument(
            "--project",
            action="append",
            metavar="ID",
            help="only this project's numbers (repeatable): a report for its owner (one project's "
            "report adds the section 'project': what its view on the page shows)",
        )

    rollup = _command(sub, "rollup", "build or refresh the rollups that make large warehouses fast", warehouse=True)
    rollup.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="DuckDB file of the rollups (path or duckdb:///path); refreshed if it exists",
    )
    rollup.add_argument(
        "--late-window",
        type=_positive_int,
        default=48,
        metavar="HOURS",
        help="on refresh, also recompute this many hours before the newest row seen (default: %(default)s)",
    )
    rollup.add_argument("--full", action="store_true", help="rebuild from scratch instead of refreshing")
    rollup.add_argument(
        "--timezone",
        default="UTC",
        metavar="ZONE",
        help="IANA zone of the local-day tier: the organisation's, as given to serve (default: %(default)s)",
    )
    rollup.set_defaults(run=_cmd_rollup)

    demo = _command(sub, "demo-data", "generate a demo warehouse (DuckDB file)")
    demo.add_argument("--out", required=True, metavar="FILE", help="path of the DuckDB file to write")
    demo.add_argument(
        "--items",
        type=_positive_int,
        default=300_000,
        metavar="N",
        help="approximate number of usage items (default: %(default)s)",
    )
    demo.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    demo.set_defaults(run=_cmd_demo_data)

    serve = _command(sub, "serve", "serve the dashboard read-only with Voilà", warehouse=True)
    serve.add_argument("--timezone", default="UTC", metavar="ZONE", help=TIMEZONE_HELP)
    serve.add_argument("--rollups", metavar="FILE", help=ROLLUPS_HELP)
    serve.add_argument("--port", type=_positive_int, default=8866, help="loopback port (default: %(default)s)")
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser")
    serve.add_argument(
        "--idle-timeout",
        type=_idle_timeout,
        default=600,
        metavar="SECONDS",
        help="shut down a viewer's kernel after this long without activity (default: %(default)s)",
    )
    access = serve.add_argument_group("access (docs/security.md, 'Deploying it')")
    access.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer to this Host name (the one your proxy forwards); repeatable. Default: localhost, "
        "127.0.0.1 and ::1 on --port only, which stops DNS rebinding",
    )
    access.add_argument(
        "--token",
        metavar="TOKEN",
        help="every request needs this token (?token= once, then a cookie; or 'Authorization: token ...'); "
        "'auto' makes one and prints the address with it (default: $ORG_ANALYTICS_TOKEN, else none)",
    )
    access.add_argument(
        "--auth-header",
        type=_header_name,
        metavar="NAME",
        help="trust the user name in this header, set by your authenticating proxy (e.g. X-Forwarded-User); "
        "requests without it are refused",
    )
    access.add_argument(
        "--trusted-proxy",
        action="append",
        type=_proxy_address,
        metavar="ADDR",
        help="the proxy's address or network, whose --auth-header is trusted; repeatable (default: 127.0.0.1)",
    )
    access.add_argument(
        "--policy", metavar="FILE", help="which users and groups see which projects (needs --auth-header)"
    )
    access.add_argument(
        "--max-kernels",
        type=_max_kernels,
        metavar="N",
        help="live kernels at most, one per open page plus the preheated one; further pages are asked to "
        "retry (default: 2 x cores + 2)",
    )
    access.add_argument(
        "--page-loads-per-minute",
        type=_positive_int,
        default=30,
        metavar="N",
        help="page loads per client (user behind the proxy, else address) and minute (default: %(default)s)",
    )
    serve.set_defaults(run=_cmd_serve)

    importer = _command(sub, "import", "convert exported usage data into a Parquet warehouse")
    sources = importer.add_subparsers(dest="source", required=True, parser_class=_Parser)
    openai = sources.add_parser("openai", help="OpenAI Usage API and Costs API pages (and Projects API lists)")
    openai.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="JSON pages, JSON lists of pages or JSON Lines, as the APIs return them",
    )
    openai.add_argument("--out", required=True, metavar="DIR", help="folder to create (open it as parquet:///DIR)")
    openai.add_argument("--force", action="store_true", help="replace an earlier import in DIR")
    openai.set_defaults(run=_cmd_import_openai)
    anthropic = sources.add_parser(
        "anthropic", help="Anthropic Admin API usage report and cost report pages (and Workspaces lists)"
    )
    anthropic.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="JSON pages, JSON lists of pages or JSON Lines, as the Admin API returns them",
    )
    anthropic.add_argument("--out", required=True, metavar="DIR", help="folder to create (open it as parquet:///DIR)")
    anthropic.add_argument("--force", action="store_true", help="replace an earlier import in DIR")
    anthropic.set_defaults(run=_cmd_import_anthropic)
    return parser


def _error(message: str, code: int) -> int:
    from data_connectors.url import redact  # standard library only: a mistyped URL's password never shows

    print(f"org-analytics: error: {redact(message)}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input or unusable warehouse, 1 other failure)."""
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except (UsageError, PeriodError) as exc:
        return _error(str(exc), 2)
    except KeyboardInterrupt:
        print("org-analytics: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from data_connectors.errors import WarehouseError, first_line  # loaded already by the failed command

        if isinstance(exc, WarehouseError):
            return _error(str(exc), 2)
        if os.environ.get("ORG_ANALYTICS_DEBUG"):
            raise
        # a query failed inside the engine: say so in one line
        return _error(f"{type(exc).__name__}: {first_line(exc)} (set ORG_ANALYTICS_DEBUG=1 for details)", 1)


if __name__ == "__main__":
    sys.exit(main())
