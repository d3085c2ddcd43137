"""Anthropic Admin API reports -> a Parquet warehouse: ``org-analytics import anthropic FILES... --out DIR``.

Inputs (each file one JSON document, a JSON list of documents, or JSON Lines of documents, as
``openai_usage.read_documents`` reads them):

* Usage report pages (``GET /v1/organizations/usage_report/messages``): ``{"data": [bucket, ...],
  "has_more", "next_page"}``, each bucket ``{"starting_at", "ending_at", "results": [...]}`` (RFC
  3339 instants), each result ``{"uncached_input_tokens", "cache_read_input_tokens",
  "cache_creation": {"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}, "output_tokens",
  "server_tool_use": {"web_search_requests"}, "workspace_id", "api_key_id", "model",
  "service_tier", "context_window"}``; the group fields are null when the report was not grouped
  by them, and ``workspace_id`` is null for the default workspace too.
* Cost report pages (``GET /v1/organizations/cost_report``): the same pages whose results are
  ``{"amount", "currency", "workspace_id", "description", "cost_type", "model", "service_tier",
  "context_window", "token_type"}``. ``amount`` is a decimal string in the currency's lowest unit
  (cents: ``"123.45"`` USD is $1.23); the fields other than amount, currency and workspace are null
  unless the report is grouped by ``description``.
* Workspaces lists (``GET /v1/organizations/workspaces``): ``{"data": [{"type": "workspace", "id",
  "name", "created_at", "archived_at", ...}], "has_more", "first_id", "last_id"}``, for names.

What is written (the four canonical tables, ``<table>.parquet`` in ``--out``), with the OpenAI
importer's writer (``openai_usage.write_warehouse``: chunked, in created_at order, bounded memory)
and publishing (``_check_out``, ``openai_usage.written``: ``--out`` is never half-written):

* projects: one per workspace. A null ``workspace_id`` is the default workspace, project
  ``default`` ("Default workspace"); a report not grouped by workspace puts everything there too.
  Names and dates come from the Workspaces list when given, else a workspace is named by its id
  and exists from its first bucket with usage or cost.
* usage_requests: the usage report counts tokens, not requests. Each (bucket, workspace, model)
  with tokens becomes ONE row (API keys, service tiers and context windows are merged into it),
  so ``total_requests`` counts report rows, not API calls. Input tokens are every input token
  (uncached + cache read + cache creation 5m and 1h), output tokens the output tokens.
  ``request_id`` is stable across imports of the same reports (see ``openai_usage._groups_table``).
* usage_items: per row, one item per pricing rule: ``input_tokens`` (uncached),
  ``cached_input_tokens`` (cache read), ``cache_write_tokens`` (cache creation, 5m and 1h
  together), ``output_tokens``; service type ``text_generation``.
* Costs: a cost result of ``cost_type`` ``tokens`` goes to the usage of its (UTC day, workspace,
  model, pricing rule from ``token_type``), or of no model when the usage report was not grouped
  by model; tiers and context windows add to the same line, and
  the line's unit price is its cost over its quantity, so its items add up to it. Cost results
  that reach no usage (web search, code execution, session usage, token costs of a model or day
  with no usage, results of a report not grouped by description) become items with quantity 0 and
  no request, under the service type their ``cost_type`` names (``web_search``,
  ``code_execution``, ``agent_sessions``; ``text_generation`` for tokens; ``other`` when not
  grouped by description). Total cost = the sum of ``amount`` / 100.
  agents: empty.

Memory is bounded whatever the reports' size. Here a (bucket, workspace, model) group is a request
row, so the groups grow with the export: nothing per result or per group stays in Python. Files are
read one after the other (JSON Lines a page at a time); each result is checked as it is read and
appended, ``READ_BATCH`` results at a time, to tables of a DuckDB database in a private folder of
the staging folder (on disk, its memory capped by ``ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT``, spilling
beyond). DuckDB then finds results given twice, merges the groups, prices the lines and writes
the warehouse a chunk at a time (``openai_usage.write_warehouse``). What Python keeps is per
workspace (names, first bucket) and per file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from ..warehouse import configure_duckdb
from . import openai_usage as shared
from .openai_usage import CHARGE, ExportError, Summary, _check_out, _projects_table, write_warehouse, written

DEFAULT = "default"
DEFAULT_NAME = "Default workspace"
SERVICE = "text_generation"
#: what a KPI means for a warehouse of this import (the card's hover; docs/warehouses.md, "Anthropic")
KPI_NOTES = {
    "total_conversations": "None: Anthropic's usage and cost reports carry no conversations, so this count is 0.",
}
# results checked in Python before they are appended to the work database: bounds the reading's memory
READ_BATCH = 50_000
# token_type of a cost result -> pricing rule of the usage it prices
TOKEN_RULES = {
    "uncached_input_tokens": "input_tokens",
    "cache_read_input_tokens": "cached_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write_tokens",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_tokens",
    "output_tokens": "output_tokens",
    # the same cache writes as other spellings may name them (the reference lists no enum for them)
    "ephemeral_5m_input_tokens": "cache_write_tokens",
    "ephemeral_1h_input_tokens": "cache_write_tokens",
    "cache_creation_input_tokens": "cache_write_tokens",
}
# cost_type of a cost result no usage takes -> (service type, pricing rule)
COST_TYPES = {
    "tokens": (SERVICE, CHARGE),
    "web_search": ("web_search", "tool_calls"),
    "code_execution": ("code_execution", "sessions"),
    "session_usage": ("agent_sessions", "sessions"),
}
EXPECTED = (
    'expected pages of the Anthropic usage or cost report ({"data": [{"starting_at": ..., "results": [...]}], '
    '"has_more": ...}) or a Workspaces list ({"data": [{"type": "workspace", ...}]})'
)
# the work database's tables, as the reading appends to them: every result (for the check that none
# is given twice), the usage results with tokens, the cost results
_RESULTS = pa.schema([("seq", pa.int64()), ("file", pa.int32()), ("start", pa.int64()), ("kind", pa.string()),
                      ("digest", pa.binary(16))])  # fmt: skip
_USAGE = pa.schema(
    [
        ("start", pa.int64()),
        ("workspace", pa.string()),
        ("model", pa.string()),
        ("model_key", pa.string()),  # the model as costs meet usage (openai_usage._line)
        ("prefix", pa.string()),  # its group's request id prefix (openai_usage._groups_table)
        ("uncached", pa.int64()),
        ("cache_read", pa.int64()),
        ("cache_write", pa.int64()),
        ("output", pa.int64()),
    ]
)
_COSTS = pa.schema(
    [
        ("start", pa.int64()),
        ("workspace", pa.string()),
        ("model", pa.string()),
        ("model_key", pa.string()),
        ("cost_type", pa.string()),
        ("rule", pa.string()),  # the usage rule a token cost prices, else null
        ("service_type", pa.string()),  # where it goes when no usage takes it
        ("charge_rule", pa.string()),
        ("unit", pa.string()),
        ("dollars", pa.float64()),
        ("item_id", pa.string()),
    ]
)
_SCHEMAS = {"results": _RESULTS, "usage": _USAGE, "costs": _COSTS}


def _instant(value, where: str, name: str) -> int:
    """Seconds since the epoch of an RFC 3339 instant (``2026-10-01T00:00:00Z``)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ExportError(f"{where}: '{name}' is {json.dumps(value)}, expected an RFC 3339 instant")
    return int(parsed.timestamp())


def _cents(result: dict, where: str) -> float:
    value = result.get("amount")
    try:
        number = float(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        raise ExportError(f"{where}: 'amount' is {json.dumps(value)}, expected a decimal string (cents)")
    return number


def _model_key(model: str | None) -> str | None:
    """The model as a cost line meets the usage (the model part of ``openai_usage._line``)."""
    return shared._line(0, "", model, "")[2]


class Collector:
    """Reads documents, checking each result as it goes, and appends the results ``READ_BATCH`` at a
    time to the tables ``results``, ``usage`` and ``costs`` of the DuckDB connection ``con``. What
    it keeps itself is per workspace (``projects``: the Workspaces lists; ``first_seen``) and per
    file, never per result."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        for name, schema in _SCHEMAS.items():
            con.register("_empty", schema.empty_table())
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _empty")
            con.unregister("_empty")
        self.pending: dict[str, dict[str, list]] = {name: _columns(schema) for name, schema in _SCHEMAS.items()}
        self.files: list[Path] = []
        self.seq = 0
        self.usage_rows = self.cost_results = 0
        self.projects: dict[str, dict] = {}
        self.first_seen: dict[str, int] = {}
        self.currencies: dict[str, Path] = {}
        self.complete: dict[str, bool] = {}
        self.ungrouped = False  # a cost result of a report not grouped by description

    def read(self, path: Path) -> None:
        """Every document of ``path``."""
        self.files.append(path)
        for doc in shared.read_documents(path):
            self.add(path, doc)

    def add(self, path: Path, doc: dict) -> None:
        data = doc.get("data")
        if not isinstance(data, list) or "object" in doc:
            raise ExportError(f"{path}: found {shared._describe(doc)}; {EXPECTED}")
        if data and all(isinstance(w, dict) and w.get("type") == "workspace" for w in data):
            for workspace in data:
                self._add_workspace(path, workspace)
            return
        kinds = set()
        for index, bucket in enumerate(data):
            results = bucket.get("results") if isinstance(bucket, dict) else None
            if not isinstance(results, list):
                raise ExportError(
                    f"{path}: bucket {index} is {shared._describe(bucket)}; expected "
                    '{"starting_at": ..., "ending_at": ..., "results": [...]}'
                )
            start = _instant(bucket.get("starting_at"), f"{path}: bucket {index}", "starting_at")
            where = f"{path}: bucket {shared._day(start)}"
            prefixes: dict[tuple, str] = {}  # the bucket's groups' request id prefixes
            for result in results:
                kinds.add(self._add_result(path, where, start, result, prefixes))
        for kind in kinds:
            self.complete[kind] = self.complete.get(kind, False) or not doc.get("has_more", False)

    def _add_workspace(self, path: Path, workspace: dict) -> None:
        where = f"{path}: workspace {json.dumps(workspace.get('id'))}"
        if not isinstance(workspace.get("id"), str) or not workspace["id"]:
            raise ExportError(f"{where}: 'id' should be a workspace id")
        created = _instant(workspace.get("created_at"), where, "created_at")
        archived = workspace.get("archived_at")
        archived = None if archived is None else _instant(archived, where, "archived_at")
        name = workspace.get("name") if isinstance(workspace.get("name"), str) and workspace["name"] else None
        self.projects[workspace["id"]] = {
            "name": name or workspace["id"],
            "created_at": created,
            "archived_at": archived,
        }

    def _add_result(self, path: Path, where: str, start: int, result, prefixes: dict) -> str:
        if not isinstance(result, dict) or ("amount" not in result and "uncached_input_tokens" not in result):
            raise ExportError(
                f"{where}: a result {shared._describe(result)} is neither usage (uncached_input_tokens, ...) "
                "nor cost (amount, currency, ...)"
            )
        kind = "cost" if "amount" in result else "usage"
        digest = self._identity(kind, start, result)
        self._append("results", seq=self.seq, file=len(self.files) - 1, start=start, kind=kind, digest=digest)
        self.seq += 1
        workspace = result.get("workspace_id") if isinstance(result.get("workspace_id"), str) else None
        workspace = workspace or DEFAULT
        if kind == "cost":
            used = self._add_cost(path, where, start, workspace, result, digest)
        else:
            used = self._add_usage(where, start, workspace, result, prefixes)
        if used:
            self.first_seen[workspace] = min(start, self.first_seen.get(workspace, start))
        return kind

    def _add_cost(self, path: Path, where: str, start: int, workspace: str, result: dict, digest: bytes) -> bool:
        cents = _cents(result, where)
        currency = result.get("currency")
        if not isinstance(currency, str) or not currency:
            raise ExportError(f"{where}: 'currency' is {json.dumps(currency)}, expected a currency code")
        self.currencies.setdefault(currency.upper(), path)
        if len(self.currencies) > 1:
            found = ", ".join(f"{c} ({p})" for c, p in self.currencies.items())
            raise ExportError(f"{path}: costs in several currencies ({found}): import one currency at a time")
        shared.refuse_other_currency(path, currency)
        cost_type, token_type, model, description = (
            result.get(k) if isinstance(result.get(k), str) else None
            for k in ("cost_type", "token_type", "model", "description")
        )
        rule = TOKEN_RULES.get(token_type) if cost_type == "tokens" else None
        service, charge_rule = COST_TYPES.get(cost_type, ("other", CHARGE))
        self.ungrouped = self.ungrouped or (cost_type is None and description is None)
        self._append(
            "costs",
            start=start,
            workspace=workspace,
            model=model,
            model_key=_model_key(model),
            cost_type=cost_type,
            rule=rule,
            service_type=service,
            charge_rule=rule or charge_rule,
            unit=shared.UNITS[rule or charge_rule],
            dollars=cents / 100,
            item_id="chg_" + digest.hex(),  # stable across imports
        )
        self.cost_results += 1
        return cents != 0

    def _add_usage(self, where: str, start: int, workspace: str, result: dict, prefixes: dict) -> bool:
        count = shared._count
        uncached = count(result, "uncached_input_tokens", where)
        read = count(result, "cache_read_input_tokens", where, required=False)
        creation = result.get("cache_creation") or {}
        if not isinstance(creation, dict):
            raise ExportError(f"{where}: 'cache_creation' is {json.dumps(creation)}, expected an object")
        writes = sum(count(creation, f"ephemeral_{ttl}_input_tokens", where, required=False) for ttl in ("5m", "1h"))
        # the same counts flattened, as some descriptions of the report spell them
        writes += sum(
            count(result, f"cache_creation_{ttl}_input_tokens", where, required=False) for ttl in ("5m", "1h")
        )
        output = count(result, "output_tokens", where)
        if not (uncached or read or writes or output):
            return False
        model = result.get("model") if isinstance(result.get("model"), str) else None
        # one request row per (bucket, workspace, model): the report counts no requests
        key = (SERVICE, start, workspace, model)
        if key not in prefixes:
            prefixes[key] = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:20]
        self._append(
            "usage",
            start=start,
            workspace=workspace,
            model=model,
            model_key=_model_key(model),
            prefix=prefixes[key],
            uncached=uncached,
            cache_read=read,
            cache_write=writes,
            output=output,
        )
        self.usage_rows += 1
        return True

    @staticmethod
    def _identity(kind: str, start: int, result: dict) -> bytes:
        """16 bytes of a hash of what identifies a result: its kind, bucket and group values."""
        values = {k: v for k, v in result.items() if isinstance(v, str) or v is None}
        if kind == "cost":
            values.pop("amount", None)
        identity = json.dumps([kind, start, values], sort_keys=True)
        return hashlib.sha256(identity.encode()).digest()[:16]

    def _append(self, table: str, **row) -> None:
        columns = self.pending[table]
        for name, value in row.items():
            columns[name].append(value)
        if len(columns["start"]) >= READ_BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        batch = pa.Table.from_pydict(self.pending[table], schema=_SCHEMAS[table])
        self.pending[table] = _columns(_SCHEMAS[table])
        self.con.register("_batch", batch)
        try:
            self.con.execute(f"INSERT INTO {table} SELECT * FROM _batch")
        finally:
            self.con.unregister("_batch")

    def finish(self) -> None:
        """Append what is left, and refuse a result given twice (overlapping reports would be
        counted twice), naming the first place it is repeated and the file it was first in."""
        for table in _SCHEMAS:
            self._flush(table)
        repeated = self.con.execute(
            """WITH twice AS (SELECT digest FROM results GROUP BY digest HAVING count(*) > 1)
               SELECT kind, file, start, first_file FROM (
                   SELECT seq, kind, file, start,
                          first_value(file) OVER (PARTITION BY digest ORDER BY seq) AS first_file,
                          row_number() OVER (PARTITION BY digest ORDER BY seq) AS nth
                   FROM results SEMI JOIN twice USING (digest))
               WHERE nth = 2 ORDER BY seq LIMIT 1"""
        ).fetchone()
        if repeated:
            kind, file, start, first = repeated
            raise ExportError(
                f"{self.files[file]}: bucket {shared._day(start)}: the same {kind} result is also in "
                f"{self.files[first]}: pass each report once (overlapping reports would be counted twice)"
            )

    def notes(self) -> list[str]:
        notes = [
            f"every {kind} report page says has_more: true, so its last page seems missing"
            for kind, done in sorted(self.complete.items())
            if not done
        ]
        if DEFAULT in self.first_seen:
            notes.append(f"results without workspace_id (the default workspace) are under the project '{DEFAULT}'")
        if self.ungrouped:
            notes.append(
                "cost results not grouped by description are under 'other': export with group_by[]=description"
            )
        if not self.cost_results:
            notes.append("no cost report pages: every cost is 0")
        notes.append("the usage report counts no requests: each (bucket, workspace, model) is one request row")
        return notes


def _columns(schema: pa.Schema) -> dict[str, list]:
    return {name: [] for name in schema.names}


# Pricing and the writer's input tables, from the work database's ``usage`` and ``costs``. A usage
# line is (UTC day, workspace, model as costs meet it, rule); a token cost goes to the line of its
# model, else (a usage report not grouped by model) to the line of no model; the others are charges.
_PRICING = [
    """CREATE TABLE lines AS
       SELECT start - start % 86400 AS day, workspace, model_key, rule, sum(quantity) AS quantity
       FROM (SELECT start, workspace, model_key,
                    unnest(['input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens']) AS rule,
                    unnest([uncached, cache_read, cache_write, output]) AS quantity
             FROM usage)
       WHERE quantity > 0
       GROUP BY ALL""",
    """CREATE TABLE placed AS
       SELECT c.*, CASE WHEN own.rule IS NOT NULL THEN c.model_key END AS line_model,
              own.rule IS NOT NULL OR none.rule IS NOT NULL AS priced
       FROM costs c
       LEFT JOIN lines own ON c.rule IS NOT NULL AND own.day = c.start - c.start % 86400
            AND own.workspace = c.workspace AND own.model_key = c.model_key AND own.rule = c.rule
       LEFT JOIN lines none ON c.rule IS NOT NULL AND none.day = c.start - c.start % 86400
            AND none.workspace = c.workspace AND none.model_key IS NULL AND none.rule = c.rule""",
    # a line's price per unit: its costs over its quantity, one row per (day, workspace, model)
    """CREATE TABLE prices AS
       SELECT day, workspace, model_key,
              max(price) FILTER (WHERE rule = 'input_tokens') AS input_tokens,
              max(price) FILTER (WHERE rule = 'cached_input_tokens') AS cached_input_tokens,
              max(price) FILTER (WHERE rule = 'cache_write_tokens') AS cache_write_tokens,
              max(price) FILTER (WHERE rule = 'output_tokens') AS output_tokens
       FROM (SELECT l.day, l.workspace, l.model_key, l.rule, c.dollars / l.quantity AS price
             FROM (SELECT start - start % 86400 AS day, workspace, line_model, rule, sum(dollars) AS dollars
                   FROM placed WHERE priced GROUP BY ALL) c
             JOIN lines l ON l.day = c.day AND l.workspace = c.workspace
                  AND l.model_key IS NOT DISTINCT FROM c.line_model AND l.rule = c.rule)
       GROUP BY ALL""",
    """CREATE TABLE charges_in AS
       SELECT item_id, start, workspace AS project_id, service_type, model, charge_rule AS rule, unit,
              dollars AS cost
       FROM placed WHERE NOT priced
       ORDER BY start, item_id""",
    # one group per (bucket, workspace, model), one request each, in the order of their ``k``
    """CREATE TABLE groups_in AS
       WITH groups AS (
           SELECT start, workspace, model, model_key, prefix, sum(uncached)::BIGINT AS uncached,
                  sum(cache_read)::BIGINT AS cache_read, sum(cache_write)::BIGINT AS cache_write,
                  sum(output)::BIGINT AS output
           FROM usage GROUP BY ALL)
       SELECT (row_number() OVER (ORDER BY g.start, g.workspace, coalesce(g.model, ''), g.model IS NOT NULL)
                  - 1)::BIGINT AS k,
              g.prefix, 'text_generation' AS service_type, g.start, g.workspace AS project_id, g.model,
              1::BIGINT AS n, g.uncached + g.cache_read + g.cache_write AS input_tokens, g.output AS output_tokens,
              list_filter([
                  {'rule': 'cache_write_tokens', 'unit': 'token', 'quantity': g.cache_write,
                   'price': coalesce(p.cache_write_tokens, 0.0)},
                  {'rule': 'cached_input_tokens', 'unit': 'token', 'quantity': g.cache_read,
                   'price': coalesce(p.cached_input_tokens, 0.0)},
                  {'rule': 'input_tokens', 'unit': 'token', 'quantity': g.uncached,
                   'price': coalesce(p.input_tokens, 0.0)},
                  {'rule': 'output_tokens', 'unit': 'token', 'quantity': g.output,
                   'price': coalesce(p.output_tokens, 0.0)}], r -> r.quantity > 0) AS rules
       FROM groups g
       LEFT JOIN prices p ON p.day = g.start - g.start % 86400 AND p.workspace = g.workspace
            AND p.model_key IS NOT DISTINCT FROM g.model_key
       ORDER BY k""",
]


def import_anthropic(files: list[str | Path], out: str | Path, force: bool = False) -> Summary:
    """Read Anthropic usage and cost report pages (and Workspaces lists) and write a Parquet
    warehouse at ``out``, in bounded memory. Raises ExportError with a one-line message naming the
    file and problem.

    >>> import_anthropic(["usage.jsonl", "costs.jsonl"], "/data/anthropic-usage")  # doctest: +SKIP
    """
    out = Path(out).expanduser().absolute()
    _check_out(out, force)
    result: dict = {}

    def write(folder: Path) -> None:
        with tempfile.TemporaryDirectory(prefix=".work-", dir=folder) as work:
            con = duckdb.connect(str(Path(work) / "import.duckdb"))
            try:
                configure_duckdb(con)
                result["summary"] = _import(con, list(map(Path, files)), folder, out)
            finally:
                con.close()

    written(out, write)
    return result["summary"]


def _import(con: duckdb.DuckDBPyConnection, files: list[Path], folder: Path, out: Path) -> Summary:
    """Read ``files`` into ``con`` and write the warehouse into ``folder`` (to become ``out``)."""
    collector = Collector(con)
    for file in files:
        try:
            collector.read(file)
        except ExportError as exc:  # the reader's messages name the OpenAI pages it expects
            if shared.EXPECTED not in str(exc):
                raise
            raise ExportError(str(exc).replace(shared.EXPECTED, EXPECTED)) from None
    collector.finish()
    if not collector.usage_rows and not collector.cost_results:
        raise ExportError(f"no usage or cost report results in {', '.join(map(str, files))}: nothing to import")
    for statement in _PRICING:
        con.execute(statement)
    if DEFAULT in collector.first_seen:
        collector.projects.setdefault(
            DEFAULT, {"name": DEFAULT_NAME, "created_at": collector.first_seen[DEFAULT], "archived_at": None}
        )
    # a workspace only charges of no amount name exists from its first one
    first = dict(con.execute("SELECT project_id, min(start) FROM charges_in GROUP BY ALL").fetchall())
    con.register("projects_in", _projects_table(collector.projects, first | collector.first_seen))
    write_warehouse(con, folder, kpi_notes=KPI_NOTES)
    requests, items = con.execute("SELECT count(*), coalesce(sum(len(rules)), 0) FROM groups_in").fetchone()
    charges = con.execute("SELECT count(*) FROM charges_in").fetchone()[0]
    counts = {
        "projects": con.execute("SELECT count(*) FROM projects_in").fetchone()[0],
        "agents": 0,
        "usage_requests": requests,
        "usage_items": int(items) + charges,
    }
    currency = next(iter(collector.currencies), None)
    return Summary(out=out, counts=counts, currency=currency, notes=collector.notes())
