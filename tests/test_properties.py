"""Property-based tests of the metric layer against a plain-Python reference of the data contract.

Hypothesis generates small random warehouses (a dozen projects at most, orphans, archived and
future-created projects, agents missing from ``agents``, nulls wherever section 1 allows them,
negative and null costs, timestamps on month, day and DST boundaries of several zones, items
stamped apart from their request, duplicated names, unknown service types, and the column types
a warehouse may use: TIMESTAMP or TIMESTAMPTZ, DOUBLE or DECIMAL money, BIGINT or INTEGER
tokens; TIMESTAMP_NS too). Each one is written to a DuckDB file and the real
``org-analytics report`` runs on it in-process (``cli.main``) for a month, a time zone and a fixed
``--now``. The report must equal :func:`reference_report`, which re-derives every section straight
from the generated rows with the rules of the data contract (sections 2-4), and must satisfy the
contract's invariants (:func:`check_invariants`) on its own. A second, slower property runs the
public Ibis expressions of ``metrics`` and ``metrics.agent`` in the engine, and the Snapshot's
per-service-type project trends, against the same reference.

Money is compared within 1e-9 relative plus 5e-9 absolute (the report rounds every amount to 10
decimals and the Others slice is a sum of rounded amounts). Every ordering is the contract's, so
lists are compared in order: ties are fully broken by the contract (name, then id). A null or
empty name counts as "unnamed" (shown as the id), as the Snapshot and the agent page do. A third
property checks that every split of the cost the page draws adds up to the total, from the raw
tables and from rollups built of the generated rows.

Run alone: ``.venv/bin/python -m pytest tests/test_properties.py -q -p no:cacheprovider``.
``PROPERTY_EXAMPLES=500 PROPERTY_METRIC_EXAMPLES=100 PROPERTY_SUM_EXAMPLES=100`` run more examples
(the defaults, 25, 5 and 5, keep the file around 45 s on two idle cores).
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import json
import math
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_report_contract import walk_numbers

from org_analytics_widgets.snapshot import COUNT_KPIS

ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/London")
# Fixed "now"s: the suite's usual one; one inside New York's 23-hour DST day, spelled without an
# offset (UTC); exactly Kolkata's midnight between April and May; one second before London's
# clocks go back.
NOWS = ("2026-11-25T12:00:00Z", "2026-03-08T07:30:00", "2026-04-30T18:30:00Z", "2026-10-25T00:59:59+00:00")
# Months with DST changes in some zone (03, 04, 10, 11), current months of the nows, and December
# (wholly after every now); the generator also picks each zone's DST months (dst_months).
INTERESTING_MONTHS = ("2026-03", "2026-04", "2026-05", "2026-10", "2026-11", "2026-12")

PROJECT_POOL = ("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "P9", "p_orphan", "Zed")
AGENT_POOL = ("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11", "B_ghost", "ghost")
# Duplicates, case and accents, names equal to other rows' ids, "Others", markup, empty and null
# (both "unnamed": shown as the id).
PROJECT_NAMES = ("Alpha", "alpha", "Alpha", "Beta", "Others", "p1", "Zürich", "日本", "<b>x</b>", "Z", "a b", "", None)
AGENT_NAMES = ("Helper", "helper", "Helper", "Bot", "a3", "Ézé", "zz", "Bot ", "", None)
SERVICE_TYPES = (
    "text_generation",
    "speech_to_text",
    "text_to_speech",
    "embedding",
    "agent",
    "image_generation",
    "Agent",
    "",
)
MODELS = (None, "gpt-x", "gpt-y", "Gpt-x", "emb-1", "whisper-1")
CONVERSATIONS = ("c0", "c1", "c2", "c3", "C0")
RULES = (
    ("input_tokens", "token"),
    ("output_tokens", "token"),
    ("cached_input_tokens", "token"),
    ("transcription_seconds", "second"),
    ("audio_duration", "second"),
    ("audio_duration", "minute"),
    ("characters", "character"),
    ("agent_minutes", "minute"),
    ("credit", "credit"),
)

MONEY_REL, MONEY_ABS = 1e-9, 5e-9


# =========================================================================== the generated data


@dataclass
class Warehouse:
    projects: list[dict]
    agents: list[dict]
    requests: list[dict]
    items: list[dict]
    ts_type: str  # "timestamp" | "timestamptz" | "timestamp_ns"
    money_type: str  # "double" | "decimal"
    token_type: str  # "int64" | "int32"


@dataclass
class Scenario:
    month: str
    timezone: str
    now: str
    warehouse: Warehouse


def _month_bounds(month: str) -> tuple[date, date]:
    year, mon = map(int, month.split("-"))
    return date(year, mon, 1), date(year + (mon == 12), mon % 12 + 1, 1)


def _shift(month: str, delta: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + mon - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _local_midnight_utc(day: date, zone: str) -> datetime:
    """Naive UTC instant of local midnight (none of the tested zones skips a midnight)."""
    aware = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    return aware.astimezone(UTC).replace(tzinfo=None)


def _parse_now(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None)


def _utc_offset(instant: datetime, zone: str) -> timedelta:
    return instant.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()


def _transitions(lo: datetime, hi: datetime, zone: str) -> list[datetime]:
    """UTC instants in [lo, hi) where ``zone`` changes offset (to the minute: all of them are)."""
    found = []
    t = lo
    while t < hi:
        nxt = t + timedelta(hours=1)
        if _utc_offset(t, zone) != _utc_offset(nxt, zone):
            m = t
            while _utc_offset(m, zone) == _utc_offset(t, zone):
                m += timedelta(minutes=1)
            found.append(m)
        t = nxt
    return found


@functools.cache
def anchors(month: str, zone: str, now: str) -> tuple[tuple[datetime, ...], tuple[datetime, ...]]:
    """Interesting naive-UTC instants around a month, as (edges, others).

    edges: the period's bounds (local month start and end, now), the zone's DST changes and the
    first local midnight after each. others: every local midnight of the zone from two days
    before the month to two days after it, and the month's bounds in every tested zone.
    """
    first, after = _month_bounds(month)
    midnights = [_local_midnight_utc(first + timedelta(days=i), zone) for i in range(-2, (after - first).days + 3)]
    lo, hi = midnights[0], midnights[-1]
    changes = _transitions(lo, hi, zone)
    edges = {
        midnights[2],
        _local_midnight_utc(after, zone),
        *changes,
        *(min(m for m in midnights if m > c) for c in changes if c < hi),
    }
    if lo <= _parse_now(now) <= hi:
        edges.add(_parse_now(now))
    others = set(midnights)
    for other in ZONES:
        others.add(_local_midnight_utc(first, other))
        others.add(_local_midnight_utc(after, other))
    return tuple(sorted(edges)), tuple(sorted(others - edges))


@functools.cache
def dst_months(zone: str, until: str) -> tuple[str, ...]:
    """The months from 2025-01 through ``until`` in which ``zone`` changes its UTC offset."""
    out, month = [], "2025-01"
    while month <= until:
        first, after = _month_bounds(month)
        if _transitions(_local_midnight_utc(first, zone), _local_midnight_utc(after, zone), zone):
            out.append(month)
        month = _shift(month, 1)
    return tuple(out)


DELTAS = (
    timedelta(0),
    timedelta(microseconds=-1),
    timedelta(microseconds=1),
    timedelta(seconds=-1),
    timedelta(seconds=1),
    timedelta(minutes=-30),
    timedelta(minutes=30),
    timedelta(hours=-1),
    timedelta(hours=1),
    timedelta(hours=23, minutes=59, seconds=59),
)


def on_edges(month: str, zone: str, now: str):
    """Instants on the period's edges and DST changes, or a microsecond or a second off."""
    edges, _ = anchors(month, zone, now)
    return st.builds(lambda a, d: a + d, st.sampled_from(edges), st.sampled_from(DELTAS[:5]))


def timestamps(month: str, zone: str, now: str):
    """Instants on or next to the period's edges and DST changes, near other local midnights and
    month bounds, or anywhere from 3 days before the month to 3 days after it."""
    edges, others = anchors(month, zone, now)
    points = sorted(edges + others)
    lo, hi = points[0] - timedelta(days=1), points[-1] + timedelta(days=1)
    on_edge = on_edges(month, zone, now)
    near = st.builds(lambda a, d: a + d, st.sampled_from(points), st.sampled_from(DELTAS))
    jitter = st.builds(lambda a, s: a + timedelta(seconds=s), st.sampled_from(points), st.integers(-86_400, 86_400))
    anywhere = st.integers(0, int((hi - lo).total_seconds())).map(lambda s: lo + timedelta(seconds=s))
    return st.one_of(on_edge, near, jitter, anywhere)


# Exact binary fractions (sums are exact, so ties are real ties) and a few inexact or tiny values.
money_values = st.one_of(
    st.integers(-200, 2000).map(lambda k: k / 64),
    st.sampled_from([0.0, 0.1, 0.2, 0.3, 1 / 3, -0.1, 1e-13, -1e-14, 1234.5678901234, 0.333333333333]),
)
quantities = st.one_of(st.integers(0, 5000).map(float), st.sampled_from([0.5, 1.5, 30.123456789012, 1e-12, 0.1, -1.0]))


@st.composite
def scenarios(draw) -> Scenario:
    now = draw(st.sampled_from(NOWS))
    zone = draw(st.sampled_from(ZONES))
    # mostly the current month (capped at now) or an earlier one; sometimes one wholly after now
    current = _parse_now(now).replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m")
    dst = dst_months(zone, current) or (current,)
    month = draw(
        st.one_of(
            st.sampled_from([current, current, _shift(current, -1)]),
            st.sampled_from(dst),
            st.sampled_from(dst),
            st.sampled_from([m for m in INTERESTING_MONTHS if m < current] or [current]),
            st.sampled_from([_shift(current, 1), "2025-12", "2026-06"]),
        )
    )
    ts, edge = timestamps(month, zone, now), on_edges(month, zone, now)
    far_past = datetime(2020, 1, 1)

    project_ids = draw(st.lists(st.sampled_from(PROJECT_POOL), unique=True, max_size=10))
    projects = []
    for pid in project_ids:
        projects.append(
            {
                "project_id": pid,
                "name": draw(st.sampled_from(PROJECT_NAMES)),
                "color": draw(st.sampled_from([None, "#1f77b4", "not-a-colour"])),
                "monthly_budget": draw(st.one_of(st.none(), money_values)),
                "created_at": draw(st.one_of(st.just(far_past), edge, ts)),
                "archived_at": draw(st.one_of(st.none(), edge, ts)),
            }
        )
    agent_ids = draw(st.lists(st.sampled_from(AGENT_POOL), unique=True, max_size=10))
    agents = [
        {"agent_id": aid, "project_id": draw(st.sampled_from(PROJECT_POOL)), "name": draw(st.sampled_from(AGENT_NAMES))}
        for aid in agent_ids
    ]

    requests, items = [], []
    for i in range(draw(st.integers(0, 40))):
        created = draw(ts)
        request = {
            "request_id": f"req_{i:032d}",
            "created_at": created,
            "project_id": draw(st.sampled_from(PROJECT_POOL)),
            "service_type": draw(st.sampled_from(SERVICE_TYPES)),
            "model": draw(st.sampled_from(MODELS)),
            "agent_id": draw(st.one_of(st.none(), st.sampled_from(AGENT_POOL))),
            "conversation_id": draw(st.one_of(st.none(), st.sampled_from(CONVERSATIONS))),
            "input_tokens": draw(st.one_of(st.none(), st.integers(0, 1_000_000))),
            "output_tokens": draw(st.one_of(st.none(), st.integers(0, 1_000_000))),
            "cost": draw(st.one_of(st.none(), money_values)),
            # the contract's three, null, and words it does not know ("failure" is not "error")
            "status": draw(st.sampled_from([None, "success", "error", "cache_hit", "failure", "Error"])),
        }
        requests.append(request)
        for j in range(draw(st.integers(0, 3))):
            rule, unit = draw(st.sampled_from(RULES))
            items.append(
                {
                    "item_id": f"item_{i}_{j}",
                    "request_id": request["request_id"],
                    # usually the request's instant; sometimes not (counted where the item falls)
                    "created_at": draw(st.one_of(st.just(created), st.just(created), ts)),
                    "project_id": request["project_id"],
                    "agent_id": request["agent_id"],
                    "service_type": draw(st.sampled_from(SERVICE_TYPES)),
                    "model": draw(st.sampled_from(MODELS)),
                    "pricing_rule": rule,
                    "quantity": draw(quantities),
                    "unit": unit,
                    "unit_price": draw(money_values),
                    "cost": draw(st.one_of(st.none(), money_values)),
                }
            )
    warehouse = Warehouse(
        projects=projects,
        agents=agents,
        requests=requests,
        items=items,
        ts_type=draw(st.sampled_from(["timestamp", "timestamptz", "timestamp_ns"])),
        money_type=draw(st.sampled_from(["double", "decimal"])),
        token_type=draw(st.sampled_from(["int64", "int32"])),
    )
    if warehouse.money_type == "decimal":  # what the warehouse holds is the value rounded to its scale
        for rows in (projects, requests, items):
            for row in rows:
                for col in ("monthly_budget", "cost", "unit_price", "quantity"):
                    if row.get(col) is not None:
                        row[col] = float(Decimal(row[col]).quantize(Decimal("1e-10")))
    return Scenario(month=month, timezone=zone, now=now, warehouse=warehouse)


# =========================================================================== writing it to DuckDB


def _arrow(rows: list[dict], columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], type=t) for c, t in columns.items()})


def write_duckdb(wh: Warehouse, path: Path) -> None:
    ts = {
        "timestamp": pa.timestamp("us"),
        "timestamptz": pa.timestamp("us", tz="UTC"),
        "timestamp_ns": pa.timestamp("ns"),
    }[wh.ts_type]
    money = pa.decimal128(38, 10) if wh.money_type == "decimal" else pa.float64()
    tokens = pa.int32() if wh.token_type == "int32" else pa.int64()
    s = pa.string()

    def m(rows, cols):  # money columns as Decimal for the decimal variant
        if wh.money_type != "decimal":
            return rows
        return [
            {k: (Decimal(v).quantize(Decimal("1e-10")) if k in cols and v is not None else v) for k, v in r.items()}
            for r in rows
        ]

    def t(rows, cols):  # aware instants for TIMESTAMPTZ
        if wh.ts_type != "timestamptz":
            return rows
        return [{k: (v.replace(tzinfo=UTC) if k in cols and v is not None else v) for k, v in r.items()} for r in rows]

    tables = {
        "projects": _arrow(
            t(m(wh.projects, {"monthly_budget"}), {"created_at", "archived_at"}),
            {"project_id": s, "name": s, "color": s, "monthly_budget": money, "created_at": ts, "archived_at": ts},
        ),
        "agents": _arrow(wh.agents, {"agent_id": s, "project_id": s, "name": s}),
        "usage_requests": _arrow(
            t(m(wh.requests, {"cost"}), {"created_at"}),
            {
                "request_id": s,
                "created_at": ts,
                "project_id": s,
                "service_type": s,
                "model": s,
                "agent_id": s,
                "conversation_id": s,
                "input_tokens": tokens,
                "output_tokens": tokens,
                "cost": money,
                "status": s,
            },
        ),
        "usage_items": _arrow(
            t(m(wh.items, {"cost", "unit_price", "quantity"}), {"created_at"}),
            {
                "item_id": s,
                "request_id": s,
                "created_at": ts,
                "project_id": s,
                "agent_id": s,
                "service_type": s,
                "model": s,
                "pricing_rule": s,
                "quantity": money,
                "unit": s,
                "unit_price": money,
                "cost": money,
            },
        ),
    }
    con = duckdb.connect(str(path))
    try:
        con.execute("SET TimeZone = 'UTC'")
        for name, table in tables.items():
            con.register("src", table)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM src")
            con.unregister("src")
    finally:
        con.close()


def run_report(path: Path, month: str, zone: str, now: str) -> dict:
    """``org-analytics report`` in-process (the CLI's own parsing, connection and JSON output)."""
    from org_analytics_widgets.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["report", "--warehouse", f"duckdb:///{path}", "--month", month, "--timezone", zone, "--now", now])
    assert code == 0, f"report exited {code}: {err.getvalue()}"
    return json.loads(out.getvalue())


# =========================================================================== the reference


def r10(x: float) -> float:
    return round(x, 10) + 0.0


def _cost(row) -> float:
    return row["cost"] if row["cost"] is not None else 0.0


def _failed(request) -> bool:
    """The contract's failure: status exactly ``error`` (null and every other value did not fail)."""
    return request["status"] == "error"


def _tokens(request) -> int:
    """A request's tokens in total_tokens: in + out, null as 0; none for a failed request."""
    return 0 if _failed(request) else (request["input_tokens"] or 0) + (request["output_tokens"] or 0)


def _sums(rows, key, value=_cost) -> dict:
    out = defaultdict(float)
    for row in rows:
        out[key(row)] += value(row)
    return dict(out)


class Reference:
    """The period and the rows in it, computed from the generated rows by the contract's words."""

    def __init__(self, sc: Scenario):
        wh, zone = sc.warehouse, sc.timezone
        self.zone = ZoneInfo(zone)
        first, after = _month_bounds(sc.month)
        start = _local_midnight_utc(first, zone)
        month_end = _local_midnight_utc(after, zone)
        now = _parse_now(sc.now)
        end = min(month_end, max(now, start))  # the current month ends at now; a future one at start
        if end == month_end:
            last = after - timedelta(days=1)
        elif end > start:
            last = self.day_of(end)  # through today's local date
        else:
            last = first - timedelta(days=1)
        self.start, self.end = start, end
        self.days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.future = end == start and now < start
        self.reqs = [r for r in wh.requests if start <= r["created_at"] < end]
        self.items = [i for i in wh.items if start <= i["created_at"] < end]
        self.projects = {p["project_id"]: p for p in wh.projects}
        self.agents = {a["agent_id"]: a for a in wh.agents}

    def day_of(self, ts: datetime) -> date:
        return ts.replace(tzinfo=UTC).astimezone(self.zone).date()

    def iso(self, ts: datetime) -> str:
        return ts.replace(tzinfo=UTC).astimezone(self.zone).isoformat()

    def project_name(self, pid) -> str:
        """The id when missing from projects or unnamed (null or empty name)."""
        name = self.projects[pid]["name"] if pid in self.projects else None
        return name or pid

    def kpis(self) -> dict:
        existed = {
            p["project_id"]
            for p in self.projects.values()
            if p["created_at"] < self.end and (p["archived_at"] is None or p["archived_at"] >= self.start)
        }
        active = {r["project_id"] for r in self.reqs}
        return {
            "total_requests": len(self.reqs),
            "total_tokens": sum(_tokens(r) for r in self.reqs),
            "unique_models": len({i["model"] for i in self.items if i["model"] is not None}),
            "active_projects": len(active),
            "total_projects": len(existed | active),
            "total_conversations": len({r["conversation_id"] for r in self.reqs if r["conversation_id"] is not None}),
            "total_cost": sum((_cost(i) for i in self.items), 0.0),
            "failed_requests": sum(1 for r in self.reqs if _failed(r)),
        }

    def daily(self, rows, key, value=_cost) -> dict:
        """Sparse: {(day, key): total} for the (day, key) pairs that have rows."""
        return _sums(rows, lambda r: (self.day_of(r["created_at"]), key(r)), value)

    def dense(self, rows, key, value=_cost) -> dict:
        """{(day, key): total} with every day of the period for every key present."""
        found = self.daily(rows, key, value)
        keys = {k for _, k in found}
        return {(d, k): found.get((d, k), 0.0) for k in keys for d in self.days}

    def items_of(self, service_type=None) -> list[dict]:
        return [i for i in self.items if service_type is None or i["service_type"] == service_type]

    def agent(self, aid) -> dict:
        """One agent's numbers in P (name and project before any fallback to ids)."""
        a_items = [i for i in self.items if i["agent_id"] == aid]
        a_reqs = [r for r in self.reqs if r["agent_id"] == aid]
        rows = a_items + a_reqs
        listed = self.agents.get(aid)
        pid = listed["project_id"] if listed else (min(r["project_id"] for r in rows) if rows else None)
        return {
            "agent_id": aid,
            "name": listed["name"] if listed else None,
            "project_id": pid,
            "conversations": len({r["conversation_id"] for r in a_reqs if r["conversation_id"] is not None}),
            "requests": len(a_reqs),
            "tokens": sum(_tokens(r) for r in a_reqs),
            "failed_requests": sum(1 for r in a_reqs if _failed(r)),
            "cost": sum((_cost(i) for i in a_items), 0.0),
            "models": len({i["model"] for i in a_items if i["model"] is not None}),
            "usage_rows": len(rows),
        }

    def candidates(self) -> set:
        return {r["agent_id"] for r in self.reqs + self.items if r["agent_id"] is not None}


def _rate(part: float, whole: float, scale: float = 1.0) -> float | None:
    """A ratio of the report's numbers (the contract's "Efficiency": the cost as reported, rounded to
    10 decimals, then the ratio rounded to 10 decimals); None when the denominator is 0."""
    return None if not whole else r10(r10(part) * scale / whole)


def _use(cost: float, reqs: list[dict]) -> dict:
    """The sums and ratios of "Efficiency" for some requests and the cost of their items."""
    sums = {
        "cost": cost,
        "requests": len(reqs),
        "failed_requests": sum(1 for r in reqs if _failed(r)),
        "conversations": len({r["conversation_id"] for r in reqs if r["conversation_id"] is not None}),
        "tokens": sum(_tokens(r) for r in reqs),
    }
    return {**sums, **_ratios(sums)}


def _ratios(sums: dict) -> dict:
    return {
        "error_rate": _rate(sums["failed_requests"], sums["requests"]),
        "cost_per_request": _rate(sums["cost"], sums["requests"]),
        "cost_per_conversation": _rate(sums["cost"], sums["conversations"]),
        "cost_per_1k_tokens": _rate(sums["cost"], sums["tokens"], 1000.0),
    }


def reference_cost_by_model(ref: Reference, total: float) -> dict:
    """Item cost per model (null: "No model"): the 6 costliest by rounded cost, then name, then model
    by code point, and one "Others" slice holding how many models it sums."""
    by_model = _sums(ref.items, lambda i: i["model"])
    ranked = sorted(by_model, key=lambda m: (-r10(by_model[m]), m or "No model", m or ""))
    slices = [{"model": m, "name": m or "No model", "cost": by_model[m]} for m in ranked[:6]]
    if len(ranked) > 6:
        rest = ranked[6:]
        others = {"model": None, "name": "Others", "cost": sum((by_model[m] for m in rest), 0.0), "models": len(rest)}
        slices.append(others)
    return {"total": total, "slices": slices}


def reference_efficiency(ref: Reference) -> dict:
    """The organisation's sums and ratios and every project's with an item or a request in P."""
    org = _use(sum((_cost(i) for i in ref.items), 0.0), ref.reqs)
    pids = {i["project_id"] for i in ref.items} | {r["project_id"] for r in ref.reqs}
    rows = []
    for pid in pids:
        cost = sum((_cost(i) for i in ref.items if i["project_id"] == pid), 0.0)
        use = _use(cost, [r for r in ref.reqs if r["project_id"] == pid])
        rows.append({"project_id": pid, "name": ref.project_name(pid), **use})
    rows.sort(key=lambda r: (-r10(r["cost"]), r["name"], r["project_id"]))
    return {"organization": org, "projects": rows}


def reference_cache_savings(ref: Reference) -> dict:
    """The contract's "Cache savings" from the items of P counted in tokens: per model with cached
    input tokens, its uncached price (input_tokens cost / quantity over all projects; none unless both
    are positive); per organisation, project and model the share and the saving."""
    token_items = [i for i in ref.items if i["unit"] == "token"]
    cached = [i for i in token_items if i["pricing_rule"] == "cached_input_tokens"]
    uncached = [i for i in token_items if i["pricing_rule"] == "input_tokens"]
    models = {m for m, q in _sums(cached, lambda i: i["model"], lambda i: i["quantity"]).items() if q > 0}
    price = {}
    for m in models:
        quantity = sum(i["quantity"] for i in uncached if i["model"] == m)
        cost = sum(_cost(i) for i in uncached if i["model"] == m)
        price[m] = cost / quantity if quantity > 0 and cost > 0 else None

    def saving(keep) -> dict:
        mine_cached = [i for i in cached if i["model"] in models and keep(i)]
        mine_input = [i for i in uncached if i["model"] in models and keep(i)]
        tokens = sum((i["quantity"] for i in mine_cached), 0.0)
        inputs = sum((i["quantity"] for i in mine_input), 0.0)
        shown = r10(tokens) + r10(inputs)  # the share of the reported quantities
        # a model with a price among these rows makes a saving (0.0 when none of its tokens were cached)
        has_price = any(price[i["model"]] is not None for i in mine_cached + mine_input)
        priced = [i for i in mine_cached if price[i["model"]] is not None]
        would = sum((i["quantity"] * price[i["model"]] for i in priced), 0.0) if has_price else None
        return {
            "cached_tokens": tokens,
            "input_tokens": inputs,
            "cached_share": r10(r10(tokens) / shown) if shown > 0 else None,
            "cached_cost": sum((_cost(i) for i in mine_cached), 0.0),
            "uncached_cost": would,
            "saving": would - sum((_cost(i) for i in priced), 0.0) if has_price else None,
            "unpriced_cached_tokens": sum((i["quantity"] for i in mine_cached if price[i["model"]] is None), 0.0),
        }

    def by_saving(rows: list[dict], key: str) -> list[dict]:
        rows.sort(key=lambda r: (r["saving"] is None, -r10(r["saving"] or 0.0), r["name"], r[key] or ""))
        return rows

    used = [i for i in cached + uncached if i["model"] in models]
    pids = {i["project_id"] for i in used}
    return {
        "organization": saving(lambda i: True),
        "projects": by_saving(
            [
                {"project_id": p, "name": ref.project_name(p), **saving(lambda i, p=p: i["project_id"] == p)}
                for p in pids
            ],
            "project_id",
        ),
        "models": by_saving(
            [{"model": m, "name": m or "No model", **saving(lambda i, m=m: i["model"] == m)} for m in models],
            "model",
        ),
    }


def reference_report(sc: Scenario) -> dict:
    """Every section of the report, computed from the rows by the contract's words alone, but for
    ``integrity`` and ``forecast``: see :func:`check_forecast` for what of the forecast is checked
    here (its numbers are worked out by hand on tests/forecast_fixture.py in tests/test_forecast.py;
    integrity's by hand in tests/test_integrity.py)."""
    ref = Reference(sc)

    def by_cost_then_key(found: dict) -> list:  # {(day, key): cost} -> [(day, key, cost)] in report order
        return sorted(((d, k, c) for (d, k), c in found.items()), key=lambda t: (t[0], -r10(t[2]), t[1]))

    kpis = ref.kpis()
    # cost by service type, daily cost by service type
    by_type = _sums(ref.items, lambda i: i["service_type"])
    type_order = sorted(by_type, key=lambda t: (-r10(by_type[t]), t))
    daily_cost_by_service_type = [
        {"date": d.isoformat(), "service_type": t, "cost": c}
        for d, t, c in by_cost_then_key(ref.dense(ref.items, lambda i: i["service_type"]))
    ]

    # cost by project: top 6 + Others
    by_project = _sums(ref.items, lambda i: i["project_id"])
    ranked = sorted(by_project, key=lambda p: (-r10(by_project[p]), ref.project_name(p), p))
    slices = [{"project_id": p, "name": ref.project_name(p), "cost": by_project[p]} for p in ranked[:6]]
    if len(ranked) > 6:
        slices.append({"project_id": None, "name": "Others", "cost": sum((by_project[p] for p in ranked[6:]), 0.0)})

    def daily_by_project(rows):
        return [
            {"date": d.isoformat(), "project_id": p, "cost": c}
            for d, p, c in by_cost_then_key(ref.dense(rows, lambda i: i["project_id"]))
        ]

    # top agents: names and project names fall back to ids
    agents = []
    for aid in ref.candidates():
        a = ref.agent(aid)
        agents.append(
            {
                "agent_id": aid,
                "name": a["name"] or aid,
                "project_id": a["project_id"],
                "project_name": ref.project_name(a["project_id"]),
                "conversations": a["conversations"],
                "requests": a["requests"],
                "cost": a["cost"],
                "failed_requests": a["failed_requests"],
                "tokens": a["tokens"],
                **_ratios(a),
            }
        )
    agents.sort(key=lambda a: (-r10(a["cost"]), a["name"], a["agent_id"]))

    # service-type cards
    cards = []
    for t in type_order:
        t_items = ref.items_of(t)
        per_day = defaultdict(set)
        for i in t_items:
            per_day[ref.day_of(i["created_at"])].add(i["request_id"])
        usage = ref.dense(t_items, lambda i: (i["pricing_rule"], i["unit"]), lambda i: i["quantity"])
        cards.append(
            {
                "service_type": t,
                "cost": by_type[t],
                "daily_cost_by_project": daily_by_project(t_items),
                "daily_requests": [{"date": d.isoformat(), "requests": len(per_day.get(d, ()))} for d in ref.days],
                "daily_usage": [
                    {"date": d.isoformat(), "pricing_rule": rule, "unit": unit, "quantity": q}
                    for (d, (rule, unit)), q in sorted(usage.items())
                ],
            }
        )

    kpis["error_rate"] = _rate(kpis["failed_requests"], kpis["total_requests"])
    report = {
        "period": {"month": sc.month, "timezone": sc.timezone, "start": ref.iso(ref.start), "end": ref.iso(ref.end)},
        "kpis": kpis,
        "cost_by_service_type": [{"service_type": t, "cost": by_type[t]} for t in type_order],
        "daily_cost_by_service_type": daily_cost_by_service_type,
        "cost_by_project": {"total": kpis["total_cost"], "slices": slices},
        "project_trends": daily_by_project(ref.items),
        "top_agents": agents[:10],
        "service_types": cards,
        "cost_by_model": reference_cost_by_model(ref, kpis["total_cost"]),
        "efficiency": reference_efficiency(ref),
        "cache_savings": reference_cache_savings(ref),
    }
    if ref.future:  # "empty results"; the formula for total_projects disagrees, so it is not compared
        del report["kpis"]["total_projects"]
    report["kpi_history"] = {"months": reference_kpi_history(sc)}
    return report


def reference_kpi_history(sc: Scenario) -> list[dict]:
    """The 13 months ending at the report's, each counted alone as its own report's KPIs (but
    total_projects), partial from the month of "now" on."""
    current = _parse_now(sc.now).replace(tzinfo=UTC).astimezone(ZoneInfo(sc.timezone)).strftime("%Y-%m")
    out = []
    for month in (_shift(sc.month, k) for k in range(-12, 1)):
        kpis = Reference(replace(sc, month=month)).kpis()
        del kpis["total_projects"]
        out.append(
            {
                "month": month,
                "partial": month >= current,
                **kpis,
                "error_rate": _rate(kpis["failed_requests"], kpis["total_requests"]),
            }
        )
    return out


def check_forecast(rep: dict, sc: Scenario) -> None:
    """What of the ``forecast`` section follows from the rows without redoing the forecast (its
    weeks, rests and Student-t range are worked out by hand on tests/forecast_fixture.py in
    tests/test_forecast.py): present for the current month only; the month so far is the month's
    cost, the total's and each project's; the projects listed and their budgets; the projects'
    forecasts add up to the total's (every generated item names a project); ranges hold the forecast."""
    ref = Reference(sc)
    forecast = rep["forecast"]
    current = _parse_now(sc.now).replace(tzinfo=UTC).astimezone(ref.zone).strftime("%Y-%m")
    if sc.month != current or not ref.days:
        assert forecast is None, f"{sc.month} is not the current month ({current}): no forecast"
        return
    assert forecast is not None, "the current month has a forecast"
    assert forecast["as_of"] == rep["period"]["end"] and forecast["today"] == ref.days[-1].isoformat()
    assert forecast["month_end"] == (_month_bounds(sc.month)[1] - timedelta(days=1)).isoformat()
    assert 0 <= forecast["weeks"] <= 4
    total = forecast["total"]
    assert money_close(total["month_to_date"], rep["kpis"]["total_cost"]), (total, rep["kpis"]["total_cost"])
    by_project = _sums(ref.items, lambda i: i["project_id"])
    # a budget is an amount of the report: one that rounds to $0.0 at 10 decimals is none
    budget_of = {
        pid: (r10(p["monthly_budget"]) if p["monthly_budget"] is not None and r10(p["monthly_budget"]) > 0 else None)
        for pid, p in ref.projects.items()
    }
    existed = {
        pid
        for pid, p in ref.projects.items()
        if p["created_at"] < ref.end and (p["archived_at"] is None or p["archived_at"] >= ref.start)
    }
    rows = {r["project_id"]: r for r in forecast["projects"]}
    assert len(rows) == len(forecast["projects"]), "one row per project"
    must = {p for p, c in by_project.items() if c} | {p for p in existed if budget_of[p] is not None}
    assert must <= rows.keys(), f"projects with cost or a budget missing: {sorted(must - rows.keys())}"
    some_budget = {p for p in existed if (ref.projects[p]["monthly_budget"] or 0) > 0}
    assert rows.keys() <= {i["project_id"] for i in sc.warehouse.items} | must | some_budget, sorted(rows)
    for pid, row in rows.items():
        assert money_close(row["month_to_date"], by_project.get(pid, 0.0)), (pid, row, by_project.get(pid))
        assert row["name"] == ref.project_name(pid), (pid, row["name"])
        budget = budget_of.get(pid)
        assert (row["budget"] is None) == (budget is None) and (budget is None or money_close(row["budget"], budget))
        assert row["status"] in ("over", "will_exceed", "at_risk", "within", "no_budget"), row
        assert (row["status"] == "no_budget") == (budget is None), row
        assert row["exceeds_on"] is None or row["status"] in ("over", "will_exceed"), row
    budgeted = [r for r in rows.values() if r["budget"] is not None]
    budgets = forecast["budgets"]
    assert budgets["projects"] == len(budgeted)
    assert (budgets["budget"] is None) == (not budgeted)
    if budgeted:
        assert money_close(budgets["budget"], sum(r["budget"] for r in budgeted))
    for series in [total, budgets, *rows.values()]:
        if forecast["weeks"] == 0:
            assert series["forecast"] is None, series
        if forecast["weeks"] < 2:
            assert series["low"] is None and series["high"] is None, series
        if series["low"] is not None:
            assert series["low"] <= series["forecast"] + 1e-9 and series["forecast"] <= series["high"] + 1e-9, series
    if total["forecast"] is not None:
        parts = [r["forecast"] for r in rows.values()]
        assert math.isclose(sum(parts), total["forecast"], rel_tol=MONEY_REL, abs_tol=MONEY_ABS * (len(parts) + 1))


# =========================================================================== comparison


def money_close(actual, expected) -> bool:
    return math.isclose(actual, expected, rel_tol=MONEY_REL, abs_tol=MONEY_ABS)


def assert_matches(actual, expected, path="report"):
    """``actual`` equals ``expected``: same list lengths and order, every expected key present
    (extra keys are allowed), floats within the money tolerance, everything else exact."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}: missing key {key!r}"
            assert_matches(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        bad = next(
            (n for n, (a, e) in enumerate(zip(actual, expected)) if not _same(a, e)),
            None if len(actual) == len(expected) else min(len(actual), len(expected)),
        )
        if bad is not None:
            raise AssertionError(
                f"{path}: lists differ first at [{bad}] ({len(actual)} rows, expected {len(expected)})\n"
                f"  got      {_brief(actual[bad:])}\n  expected {_brief(expected[bad:])}"
            )
    elif isinstance(expected, float):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), f"{path}: {actual!r} is no number"
        assert money_close(actual, expected), f"{path}: got {actual!r}, expected {expected!r}"
    else:
        assert type(actual) is type(expected) and actual == expected, f"{path}: got {actual!r}, expected {expected!r}"


def _same(actual, expected) -> bool:
    try:
        assert_matches(actual, expected)
    except AssertionError:
        return False
    return True


def _brief(rows, limit=6):
    return f"{rows[:limit]}{' ...' if len(rows) > limit else ''}"


def check_invariants(rep: dict, days: list[str]) -> None:
    """What must hold of any report, whatever the data."""
    for path, v in walk_numbers(rep):  # money rounded to 10 decimals, never -0.0
        assert round(v, 10) == v and not (v == 0 and math.copysign(1.0, v) < 0), f"{path} = {v!r}"
    k = rep["kpis"]
    total = k["total_cost"]
    assert k["active_projects"] <= k["total_projects"]
    assert k["failed_requests"] <= k["total_requests"]
    for name in COUNT_KPIS:
        assert isinstance(k[name], int) and k[name] >= 0, name

    def near(a, b, n=1):  # sums of n rounded amounts
        return math.isclose(a, b, rel_tol=MONEY_REL, abs_tol=MONEY_ABS + n * 6e-11)

    def desc(costs):
        return all(round(a, 10) >= round(b, 10) for a, b in itertools.pairwise(costs))

    def dense(rows, key_fields):
        by_key = defaultdict(list)
        for r in rows:
            by_key[tuple(r[f] for f in key_fields)].append(r["date"])
        for key, dates in by_key.items():
            assert dates == days, f"{key}: dates {dates} != the period's days {days}"
        assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
        return by_key

    cbst = rep["cost_by_service_type"]
    assert near(sum(r["cost"] for r in cbst), total, len(cbst))
    assert desc([r["cost"] for r in cbst])
    daily = rep["daily_cost_by_service_type"]
    assert set(dense(daily, ["service_type"])) == {(r["service_type"],) for r in cbst}
    for r in cbst:
        series = [d["cost"] for d in daily if d["service_type"] == r["service_type"]]
        assert near(sum(series), r["cost"], len(series) + 1)

    cbp = rep["cost_by_project"]
    assert cbp["total"] == total
    slices = cbp["slices"]
    assert near(sum(s["cost"] for s in slices), total, len(slices) + 40)
    named = [s for s in slices if s["project_id"] is not None]
    assert desc([s["cost"] for s in named]) and len(named) <= 6
    others = [s for s in slices if s["project_id"] is None]
    assert len(others) <= 1 and (
        not others or (slices[-1] is others[0] and len(named) == 6 and others[0]["name"] == "Others")
    )

    trends = rep["project_trends"]
    dense(trends, ["project_id"])
    assert near(sum(r["cost"] for r in trends), total, len(trends))
    trend_projects = {r["project_id"] for r in trends}  # the projects with items in P
    assert {s["project_id"] for s in named} <= trend_projects
    assert len(named) == min(6, len(trend_projects)) and bool(others) == (len(trend_projects) > 6)

    agents = rep["top_agents"]
    assert len(agents) <= 10 and desc([a["cost"] for a in agents])
    assert len({a["agent_id"] for a in agents}) == len(agents)
    assert sum(a["requests"] for a in agents) <= k["total_requests"]

    cards = rep["service_types"]
    assert [c["service_type"] for c in cards] == [r["service_type"] for r in cbst]
    for card, row in zip(cards, cbst):
        assert card["cost"] == row["cost"]
        by_project = card["daily_cost_by_project"]
        dense(by_project, ["project_id"])
        assert near(sum(r["cost"] for r in by_project), card["cost"], len(by_project) + 1)
        assert [r["date"] for r in card["daily_requests"]] == days
        assert sum(r["requests"] for r in card["daily_requests"]) >= 1
        dense(card["daily_usage"], ["pricing_rule", "unit"])
    if not days:
        assert not daily and not trends and not cards and not slices


# =========================================================================== the properties

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "25"))

# The minimal example Hypothesis found for the one bug so far: a project and an agent named "" were
# shown as their ids in cost_by_project but as "" in top_agents (name and project_name).
EMPTY_NAMES = Scenario(
    month="2026-03",
    timezone="UTC",
    now="2026-11-25T12:00:00Z",
    warehouse=Warehouse(
        projects=[
            {
                "project_id": "p0",
                "name": "",
                "color": None,
                "monthly_budget": None,
                "created_at": datetime(2020, 1, 1),
                "archived_at": None,
            }
        ],
        agents=[{"agent_id": "a0", "project_id": "p0", "name": ""}],
        requests=[
            {
                "request_id": "r0",
                "created_at": datetime(2026, 3, 10),
                "project_id": "p0",
                "service_type": "agent",
                "model": None,
                "agent_id": "a0",
                "conversation_id": None,
                "input_tokens": None,
                "output_tokens": None,
                "cost": None,
                "status": None,
            }
        ],
        items=[
            {
                "item_id": "i0",
                "request_id": "r0",
                "created_at": datetime(2026, 3, 10),
                "project_id": "p0",
                "agent_id": "a0",
                "service_type": "agent",
                "model": None,
                "pricing_rule": "agent_minutes",
                "quantity": 1.0,
                "unit": "minute",
                "unit_price": 1.0,
                "cost": 1.0,
            }
        ],
        ts_type="timestamp",
        money_type="double",
        token_type="int64",
    ),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(EMPTY_NAMES)
def test_report_equals_reference(sc: Scenario):
    """``org-analytics report`` == the reference, and the contract's invariants hold."""
    with tempfile.TemporaryDirectory(prefix="org-analytics-prop-") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        write_duckdb(sc.warehouse, path)
        rep = run_report(path, sc.month, sc.timezone, sc.now)
    check_invariants(rep, [d.isoformat() for d in Reference(sc).days])
    assert_matches(rep, reference_report(sc))
    check_forecast(rep, sc)


def assert_same_map(actual: dict, expected: dict, what: str) -> None:
    """Same keys; per key, the same tuple of values (floats within the money tolerance)."""
    missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
    assert not missing and not extra, (
        f"{what}: missing {sorted(missing, key=repr)}, unexpected {sorted(extra, key=repr)}"
    )
    for key, want in expected.items():
        got = actual[key]
        want_t, got_t = (want, got) if isinstance(want, tuple) else ((want,), (got,))
        for g, w in zip(got_t, want_t):
            ok = money_close(g, w) if isinstance(w, float) else g == w
            assert ok, f"{what}[{key!r}]: got {got!r}, expected {want!r}"


def _frame_map(frame, key_cols, value_cols) -> dict:
    """{key: value(s)} of an executed metric (days as dates, nulls as None, counts as int)."""
    from org_analytics_widgets.shaping import as_date, text

    def norm(col, v):
        if col == "day":
            return as_date(v)
        if col in ("cost", "quantity"):
            return float(v)
        if col in ("requests", "conversations", "tokens", "models", "usage_rows"):
            return int(v)
        return text(v) if not isinstance(v, bool) else v

    out = {}
    for row in frame.to_dict("records"):
        key = tuple(norm(c, row[c]) for c in key_cols)
        values = tuple(norm(c, row[c]) for c in value_cols)
        out[key if len(key) > 1 else key[0]] = values if len(values) > 1 else values[0]
    assert len(out) == len(frame), f"repeated keys {key_cols}"
    return out


METRIC_EXAMPLES = int(os.environ.get("PROPERTY_METRIC_EXAMPLES", "5"))


@settings(max_examples=METRIC_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from(AGENT_POOL))
def test_metric_expressions_equal_reference(sc: Scenario, agent_id: str):
    """The public Ibis expressions (``metrics``, ``metrics.agent``) run wholly in the engine, and the
    Snapshot's per-service-type project trends, equal the reference (sparse where documented)."""
    from data_connectors import connect
    from org_analytics_widgets import metrics as M
    from org_analytics_widgets.metrics import agent as A
    from org_analytics_widgets.period import Period
    from org_analytics_widgets.engine import Engine

    ref = Reference(sc)
    items = ref.items
    period = Period.for_month(sc.month, sc.timezone, sc.now)
    assert list(period.days) == ref.days
    assert (period.start_utc, period.end_utc) == (ref.start, ref.end)
    with tempfile.TemporaryDirectory(prefix="org-analytics-prop-") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        write_duckdb(sc.warehouse, path)
        wh = connect(f"duckdb:///{path}")
        try:
            run = wh.execute
            kpis = run(M.kpis(wh, period)).to_dict("records")[0]
            expected = ref.kpis()
            if ref.future:
                del expected["total_projects"]
            assert_same_map(
                {k: (float(kpis[k]) if k == "total_cost" else int(kpis[k])) for k in expected}, expected, "kpis"
            )
            assert_same_map(
                _frame_map(run(M.cost_by_service_type(wh, period)), ["service_type"], ["cost"]),
                _sums(items, lambda i: i["service_type"]),
                "cost_by_service_type",
            )
            assert_same_map(
                _frame_map(run(M.daily_cost_by_service_type(wh, period)), ["day", "service_type"], ["cost"]),
                ref.daily(items, lambda i: i["service_type"]),
                "daily_cost_by_service_type",
            )
            assert_same_map(
                _frame_map(run(M.cost_by_project(wh, period)), ["project_id"], ["name", "cost"]),
                {
                    p: ((ref.projects[p]["name"] if p in ref.projects else None), c)
                    for p, c in _sums(items, lambda i: i["project_id"]).items()
                },
                "cost_by_project",
            )
            types = sorted({i["service_type"] for i in items})
            for t in [None, *types]:
                assert_same_map(
                    _frame_map(run(M.project_trends(wh, period, t)), ["day", "project_id"], ["cost"]),
                    ref.daily(ref.items_of(t), lambda i: i["project_id"]),
                    f"project_trends({t!r})",
                )
            top = run(M.top_agents(wh, period, n=1000))
            want_agents = {aid: ref.agent(aid) for aid in ref.candidates()}
            assert_same_map(
                _frame_map(top, ["agent_id"], ["name", "project_id", "conversations", "requests", "cost"]),
                {
                    aid: (a["name"], a["project_id"], a["conversations"], a["requests"], a["cost"])
                    for aid, a in want_agents.items()
                },
                "top_agents",
            )
            assert all(r10(a) >= r10(b) for a, b in itertools.pairwise(top["cost"])), "top_agents not by cost"
            assert_same_map(
                _frame_map(
                    run(M.service_type_daily_cost_by_project(wh, period)),
                    ["service_type", "day", "project_id"],
                    ["cost"],
                ),
                {
                    (t, d, p): c
                    for (d, (t, p)), c in ref.daily(items, lambda i: (i["service_type"], i["project_id"])).items()
                },
                "service_type_daily_cost_by_project",
            )
            requests = defaultdict(set)
            for i in items:
                requests[(ref.day_of(i["created_at"]), i["service_type"])].add(i["request_id"])
            assert_same_map(
                _frame_map(run(M.service_type_daily_requests(wh, period)), ["day", "service_type"], ["requests"]),
                {k: len(v) for k, v in requests.items()},
                "service_type_daily_requests",
            )
            assert_same_map(
                _frame_map(
                    run(M.service_type_daily_usage(wh, period)),
                    ["service_type", "day", "pricing_rule", "unit"],
                    ["quantity"],
                ),
                {
                    (t, d, rule, unit): q
                    for (d, (t, rule, unit)), q in ref.daily(
                        items, lambda i: (i["service_type"], i["pricing_rule"], i["unit"]), lambda i: i["quantity"]
                    ).items()
                },
                "service_type_daily_usage",
            )

            # one agent's page (any id of the pool: listed or not, with or without rows in P)
            a = ref.agent(agent_id)
            month = Engine(wh, None, sc.timezone, sc.now, cache=False).agent_month(agent_id, period)
            pid = a["project_id"]
            listed = agent_id in ref.agents
            assert month.status == ("ready" if a["usage_rows"] else "empty" if listed else "unknown"), agent_id
            if month.status != "unknown":
                assert_same_map(
                    {k: month.info[k] for k in ("name", "listed", "project_id", "project_name")},
                    {
                        "name": a["name"] or agent_id,
                        "listed": listed,
                        "project_id": pid,
                        "project_name": (ref.projects.get(pid) or {}).get("name") or pid,
                    },
                    f"agent_month({agent_id!r}).info",
                )
                assert month.requests_total == a["requests"], agent_id
            akpis = run(A.agent_kpis(wh, period, agent_id)).to_dict("records")[0]
            assert_same_map(
                {
                    k: (float(akpis[k]) if k == "cost" else int(akpis[k]))
                    for k in ("conversations", "requests", "tokens", "cost", "models")
                },
                {k: a[k] for k in ("conversations", "requests", "tokens", "cost", "models")},
                f"agent_kpis({agent_id!r})",
            )
            assert_same_map(
                _frame_map(
                    run(A.agent_daily_cost_by_service_type(wh, period, agent_id)), ["day", "service_type"], ["cost"]
                ),
                ref.daily([i for i in items if i["agent_id"] == agent_id], lambda i: i["service_type"]),
                f"agent_daily_cost_by_service_type({agent_id!r})",
            )

            # the Snapshot's filtered trends (the dashboard's service-type filter): dense and ordered
            snap = Engine(wh, cache=False).snapshot(period)
            for t in [None, *types]:
                trends = snap.project_trends(t)
                got = [(r["date"], r["project_id"], r["cost"]) for r in trends.to_dict("records")]
                want = sorted(
                    ((d, p, c) for (d, p), c in ref.dense(ref.items_of(t), lambda i: i["project_id"]).items()),
                    key=lambda x: (x[0], -r10(x[2]), x[1]),
                )
                assert [g[:2] for g in got] == [w[:2] for w in want], f"Snapshot.project_trends({t!r}) rows/order"
                assert all(money_close(g[2], w[2]) for g, w in zip(got, want)), f"Snapshot.project_trends({t!r})"
        finally:
            wh.close()


SUM_EXAMPLES = int(os.environ.get("PROPERTY_SUM_EXAMPLES", "5"))


@settings(max_examples=SUM_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(EMPTY_NAMES)
def test_parts_add_up_to_the_total_from_raw_tables_and_rollups(sc: Scenario):
    """Every split of the month's cost the page draws adds up to the Total Cost card (issue 15,
    item 4), from the raw tables and from rollups built of the same rows: the project doughnut's
    slices with Others (and Others' own list), the cost overview's daily bars and its service-type
    doughnut, the service cards and each card's projects, the project trends; the top agents' cost
    plus every other item's is the total, and without negative costs the top agents never exceed it.
    """
    from data_connectors import connect
    from org_analytics_widgets.engine import Engine
    from org_analytics_widgets.metrics.rollup import aligned_period
    from org_analytics_widgets.period import Period
    from org_analytics_widgets.rollups import Rollups, build

    ref = Reference(sc)
    period = Period.for_month(sc.month, sc.timezone, sc.now)
    with tempfile.TemporaryDirectory(prefix="org-analytics-prop-") as tmp:
        path, rollups_path = Path(tmp) / "warehouse.duckdb", Path(tmp) / "rollups.duckdb"
        write_duckdb(sc.warehouse, path)
        wh = connect(f"duckdb:///{path}")
        try:
            build(wh, rollups_path)
            rollups = Rollups.open(rollups_path)
            try:
                raw = Engine(wh, cache=False).snapshot(period)
                rolled = Engine(wh, rollups, cache=False).snapshot(period)
                # each KPI's history (issue 15, item 8): the year before from the monthly facts
                histories = [
                    Engine(wh, source, sc.timezone, sc.now, cache=False).kpi_history(period, snap).rows
                    for source, snap in ((None, raw), (rollups, rolled))
                ]
            finally:
                rollups.close()
        finally:
            wh.close()
    assert raw.source == "raw"
    if aligned_period(period):
        assert rolled.source == "rollups", "an aligned period is read from fresh rollups"
    n = len(ref.items) + 1  # float sums of up to n amounts, each possibly rounded to 10 decimals

    def near(part: float, whole: float, what: str) -> None:
        assert math.isclose(part, whole, rel_tol=MONEY_REL, abs_tol=MONEY_ABS + n * 6e-11), (
            f"{what} from the {snap.source} tables: {part!r} != {whole!r}"
        )

    for snap in (raw, rolled):
        total = snap.kpis["total_cost"]
        near(total, sum((_cost(i) for i in ref.items), 0.0), "total cost vs the items")
        near(float(snap.cost_by_project["cost"].sum()), total, "cost by project, Others included")
        others = snap.cost_by_project[snap.cost_by_project["project_id"].isna()]
        near(float(snap.others()["cost"].sum()), float(others["cost"].sum()), "the projects in Others")
        near(float(snap.cost_by_service_type["cost"].sum()), total, "the service-type doughnut")
        near(float(snap.daily_cost_by_service_type["cost"].sum()), total, "daily cost by service type")
        near(float(snap.trends["cost"].sum()), total, "project trends")
        near(sum(card.cost for card in snap.service_types), total, "the service cards")
        for card in snap.service_types:
            near(float(card.daily_cost_by_project["cost"].sum()), card.cost, f"{card.service_type!r} card")
        top = set(snap.top_agents["agent_id"])
        rest = sum((_cost(i) for i in ref.items if i["agent_id"] not in top), 0.0)
        near(float(snap.top_agents["cost"].sum()) + rest, total, "top agents + every other item")
        if all(_cost(i) >= 0 for i in ref.items):
            assert float(snap.top_agents["cost"].sum()) <= total + MONEY_ABS + n * 6e-11, "top agents > total"
    every = len(sc.warehouse.items) + 1  # a month of the history may hold any of the items
    for raw_month, rolled_month in zip(*histories, strict=True):
        raw_month, rolled_month = dict(raw_month), dict(rolled_month)
        cost, want = rolled_month.pop("total_cost"), raw_month.pop("total_cost")
        assert math.isclose(cost, want, rel_tol=MONEY_REL, abs_tol=MONEY_ABS + every * 6e-11), (raw_month, cost, want)
        assert rolled_month == raw_month, "a KPI's month from the rollups differs from the raw tables'"
