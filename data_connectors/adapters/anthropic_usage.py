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
importer's writer (``openai_usage.write_tables``: chunked, in created_at order, bounded memory)
and publishing (``_check_out``, ``_publish``: ``--out`` is never half-written):

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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import secrets
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from . import openai_usage as shared
from .openai_usage import CHARGE, ExportError, Group, Summary, _check_out, _line, _publish, write_tables

DEFAULT = "default"
DEFAULT_NAME = "Default workspace"
SERVICE = "text_generation"
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


class Collector:
    """Reads documents into usage groups, cost results and workspaces, checking them as it goes.
    Its ``groups``, ``charges``, ``projects`` and ``first_seen`` are shaped as the OpenAI
    importer's, for ``openai_usage._projects_table``."""

    def __init__(self) -> None:
        self.groups: dict[tuple, Group] = defaultdict(Group)  # (service, start, workspace, model)
        # (start, workspace, (cost_type, token_type, model, description), cents, item id)
        self.costs: list[tuple] = []
        self.charges: list[tuple] = []  # the costs no usage takes, (start, workspace, ...)
        self.projects: dict[str, dict] = {}
        self.first_seen: dict[str, int] = {}
        self.currencies: dict[str, Path] = {}
        self.seen: dict[bytes, Path] = {}  # a digest of each result's identity
        self.complete: dict[str, bool] = {}
        self.ungrouped = False  # a cost result of a report not grouped by description

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
            for result in results:
                kinds.add(self._add_result(path, where, start, result))
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

    def _add_result(self, path: Path, where: str, start: int, result) -> str:
        if not isinstance(result, dict) or ("amount" not in result and "uncached_input_tokens" not in result):
            raise ExportError(
                f"{where}: a result {shared._describe(result)} is neither usage (uncached_input_tokens, ...) "
                "nor cost (amount, currency, ...)"
            )
        kind = "cost" if "amount" in result else "usage"
        identity = self._check_once(path, where, kind, start, result)
        workspace = result.get("workspace_id") if isinstance(result.get("workspace_id"), str) else None
        workspace = workspace or DEFAULT
        if kind == "cost":
            cents = _cents(result, where)
            currency = result.get("currency")
            if not isinstance(currency, str) or not currency:
                raise ExportError(f"{where}: 'currency' is {json.dumps(currency)}, expected a currency code")
            self.currencies.setdefault(currency.upper(), path)
            if len(self.currencies) > 1:
                found = ", ".join(f"{c} ({p})" for c, p in self.currencies.items())
                raise ExportError(f"{path}: costs in several currencies ({found}): import one currency at a time")
            shared.refuse_other_currency(path, currency)
            fields = tuple(
                result.get(k) if isinstance(result.get(k), str) else None
                for k in ("cost_type", "token_type", "model", "description")
            )
            item_id = "chg_" + hashlib.sha256(identity.encode()).hexdigest()[:32]  # stable across imports
            self.costs.append((start, workspace, fields, cents, item_id))
            used = cents != 0
        else:
            used = self._add_usage(where, start, workspace, result)
        if used:
            self.first_seen[workspace] = min(start, self.first_seen.get(workspace, start))
        return kind

    def _add_usage(self, where: str, start: int, workspace: str, result: dict) -> bool:
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
        group = self.groups[(SERVICE, start, workspace, model)]
        group.requests = 1  # one row per (bucket, workspace, model): the report counts no requests
        group.input_tokens = (group.input_tokens or 0) + uncached + read + writes
        group.output_tokens = (group.output_tokens or 0) + output
        for rule, quantity in (
            ("input_tokens", uncached),
            ("cached_input_tokens", read),
            ("cache_write_tokens", writes),
            ("output_tokens", output),
        ):
            group.quantities[rule] += quantity
        return True

    def _check_once(self, path: Path, where: str, kind: str, start: int, result: dict) -> str:
        values = {k: v for k, v in result.items() if isinstance(v, str) or v is None}
        if kind == "cost":
            values.pop("amount", None)
        identity = json.dumps([kind, start, values], sort_keys=True)
        key = hashlib.sha256(identity.encode()).digest()[:16]  # kept per result: 16 bytes, not the text
        if key in self.seen:
            raise ExportError(
                f"{where}: the same {kind} result is also in {self.seen[key]}: "
                "pass each report once (overlapping reports would be counted twice)"
            )
        self.seen[key] = path
        return identity

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
        if not self.costs:
            notes.append("no cost report pages: every cost is 0")
        notes.append("the usage report counts no requests: each (bucket, workspace, model) is one request row")
        return notes


def price(collector: Collector) -> dict[tuple, float]:
    """The price per unit of each usage line with a cost; the costs no usage takes go to
    ``collector.charges`` as (start, workspace, item id, service, model, rule, dollars)."""
    usage: dict[tuple, int] = defaultdict(int)
    for (_, start, workspace, model), group in collector.groups.items():
        for rule, quantity in group.quantities.items():
            if quantity > 0:
                usage[_line(start, workspace, model, rule)] += quantity
    costs: dict[tuple, float] = defaultdict(float)
    for start, workspace, (cost_type, token_type, model, description), cents, item_id in collector.costs:
        dollars = cents / 100
        rule = TOKEN_RULES.get(token_type)
        # its model's usage; in a usage report not grouped by model, the usage of no model
        lines = (_line(start, workspace, model, rule), _line(start, workspace, None, rule))
        line = next((line for line in lines if line in usage), None) if cost_type == "tokens" and rule else None
        if line is not None:
            costs[line] += dollars
            continue
        if cost_type is None and description is None:
            collector.ungrouped = True
        service, charge_rule = COST_TYPES.get(cost_type, ("other", CHARGE))
        if cost_type == "tokens" and rule:
            charge_rule = rule
        collector.charges.append((start, workspace, item_id, service, model, charge_rule, dollars))
    return {line: cost / usage[line] for line, cost in costs.items()}


def _charges_table(charges: list[tuple]) -> pa.Table:
    rows = [
        {
            "item_id": item_id,
            "start": start,
            "project_id": workspace,
            "service_type": service,
            "model": model,
            "rule": rule,
            "unit": shared.UNITS[rule],
            "cost": dollars,
        }
        for start, workspace, item_id, service, model, rule, dollars in sorted(charges, key=lambda c: (c[0], c[2]))
    ]
    return pa.Table.from_pylist(rows, schema=shared.CHARGES_SCHEMA)


def import_anthropic(files: list[str | Path], out: str | Path, force: bool = False) -> Summary:
    """Read Anthropic usage and cost report pages (and Workspaces lists) and write a Parquet
    warehouse at ``out``. Raises ExportError with a one-line message naming the file and problem."""
    out = Path(out).expanduser().absolute()
    _check_out(out, force)
    collector = Collector()
    for file in map(Path, files):
        try:
            for doc in shared.read_documents(file):
                collector.add(file, doc)
        except ExportError as exc:  # the reader's messages name the OpenAI pages it expects
            if shared.EXPECTED not in str(exc):
                raise
            raise ExportError(str(exc).replace(shared.EXPECTED, EXPECTED)) from None
    if not collector.groups and not collector.costs:
        raise ExportError(f"no usage or cost report results in {', '.join(map(str, files))}: nothing to import")
    prices = price(collector)
    if DEFAULT in collector.first_seen:
        collector.projects.setdefault(
            DEFAULT, {"name": DEFAULT_NAME, "created_at": collector.first_seen[DEFAULT], "archived_at": None}
        )
    tables = {
        "groups_in": shared._groups_table(collector.groups, prices),
        "charges_in": _charges_table(collector.charges),
        "projects_in": shared._projects_table(collector),
    }
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = out.parent / f".{out.name}.importing-{secrets.token_hex(6)}"
        staging.mkdir()
    except OSError as exc:
        raise ExportError(f"cannot create --out {out}: {exc.strerror or exc}") from None
    try:
        write_tables(staging, tables)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    groups = tables["groups_in"]
    sizes = groups.column("n").to_pylist()
    items = sum(n * len(rules) for n, rules in zip(sizes, groups.column("rules").to_pylist()))
    counts = {
        "projects": tables["projects_in"].num_rows,
        "agents": 0,
        "usage_requests": sum(sizes),
        "usage_items": items + tables["charges_in"].num_rows,
    }
    currency = next(iter(collector.currencies), None)
    return Summary(out=out, counts=counts, currency=currency, notes=collector.notes())
