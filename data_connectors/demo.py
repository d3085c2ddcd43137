"""The demo warehouse: a seeded, realistic DuckDB file with the four canonical tables.

The data is generated inside DuckDB with set-based SQL; Python only describes the small
dimensions (projects, agents, models and prices, traffic streams) and drives one query per
calendar month.

How it works:

* A *stream* is one kind of traffic of one project (e.g. "Support Bot" voice conversations, or
  "Internal Search" embeddings with ``text-embedding-3-small``), with a relative session rate,
  a daily rhythm (office hours, consumer evenings, night-time batch jobs) and a monthly growth.
* The ``slots`` table holds one row per (stream, hour) of the 13 months up to ``now`` whose
  integer weight is rate x growth x weekday x hour-of-day x holiday x day-to-day noise x launch
  ramp / wind-down, zero outside the project's life, and its cumulative weight ``cum_lo``.
* Session ``i`` of ``N`` gets the stratified position ``u = (i + h) * W / N`` (``h`` a uniform in
  [0, 1), ``W`` the total weight); an ASOF JOIN on ``cum_lo`` picks its stream and hour. Since
  ``u`` grows with ``i``, the sessions of one month form a contiguous range of ``i``, so each
  month is generated on its own and rows are inserted in time order.
* A voice-agent session becomes a conversation of several requests (turns); every other session
  is one request. Each request gets its quantities, prices and status, then 1 to 5 priced items.
* ``N`` is chosen from the expected items per session so that ``items`` is met approximately.
* Randomness is DuckDB's ``hash()`` of (row key, salt) mixed with the seed, never ``random()``:
  the same seed (and DuckDB version) gives the same file.
* Monthly budgets are set at the end from each project's peak monthly spend, so they stay
  plausible whatever the size of the demo.

>>> counts = generate_demo("/tmp/demo.duckdb", items=50_000)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import duckdb

FORMAT_VERSION = 1
DEFAULT_ITEMS = 300_000
DEFAULT_SEED = 42

ERROR_RATE = 0.025
MAX_EXTRA_TURNS = 14  # a conversation has 2 .. 2 + MAX_EXTRA_TURNS requests
TURN_SLOTS = 16  # request key = session * TURN_SLOTS + turn
AGENT_MINUTE_PRICE = 0.05  # agent-platform, per minute of conversation
WEIGHT_SCALE = 10_000  # slot weights are integers: exact, order-independent sums

_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US
_MONTH_US = 30.44 * _DAY_US
_EPOCH = datetime(1970, 1, 1)

Progress = Callable[[str, float], None]

SCHEMA = """
CREATE TABLE projects (
    project_id VARCHAR, name VARCHAR, color VARCHAR, monthly_budget DOUBLE,
    created_at TIMESTAMP, archived_at TIMESTAMP
);
CREATE TABLE agents (agent_id VARCHAR, project_id VARCHAR, name VARCHAR);
CREATE TABLE usage_requests (
    request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR, service_type VARCHAR,
    model VARCHAR, agent_id VARCHAR, conversation_id VARCHAR, input_tokens BIGINT,
    output_tokens BIGINT, cost DOUBLE, status VARCHAR
);
CREATE TABLE usage_items (
    item_id VARCHAR, request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR,
    agent_id VARCHAR, service_type VARCHAR, model VARCHAR, pricing_rule VARCHAR,
    quantity DOUBLE, unit VARCHAR, unit_price DOUBLE, cost DOUBLE
);
"""

# Price per unit (USD): per token, per second of audio, per character, per minute.
PRICES: dict[str, dict[str, float]] = {
    "gpt-4o": {"input": 2.5e-6, "cached": 1.25e-6, "output": 10e-6},
    "gpt-4o-mini": {"input": 0.15e-6, "cached": 0.075e-6, "output": 0.6e-6},
    "claude-sonnet-4": {"input": 3e-6, "cached": 0.3e-6, "output": 15e-6},
    "llama-3.1-70b": {"input": 0.88e-6, "output": 0.88e-6},
    "text-embedding-3-small": {"input": 0.02e-6},
    "text-embedding-3-large": {"input": 0.13e-6},
    "whisper-1": {"second": 0.006 / 60},
    "deepgram-nova-2": {"second": 0.0043 / 60},
    "tts-1": {"character": 15e-6},
    "tts-1-hd": {"character": 30e-6},
    "eleven-turbo-v2": {"character": 50e-6},
}

# (line, service_type, model column, pricing_rule, quantity column, unit, price column)
ITEM_LINES = (
    (1, "speech_to_text", "stt_model", "transcription_seconds", "q_stt", "second", "p_stt"),
    (2, "text_generation", "llm_model", "input_tokens", "q_in", "token", "p_in"),
    (3, "text_generation", "llm_model", "cached_input_tokens", "q_cached", "token", "p_cached"),
    (4, "text_generation", "llm_model", "output_tokens", "q_out", "token", "p_out"),
    (5, "text_to_speech", "tts_model", "characters", "q_chars", "character", "p_chars"),
    (6, "embedding", "embed_model", "input_tokens", "q_embed", "token", "p_embed"),
    (7, "agent", "agent_model", "agent_minutes", "q_min", "minute", "p_min"),
)

SERVICE_TYPES = {
    "voice": "agent",
    "chat": "text_generation",
    "embed": "embedding",
    "stt": "speech_to_text",
    "tts": "text_to_speech",
}


@dataclass(frozen=True)
class _Project:
    key: str
    name: str
    color: str
    growth: float  # monthly growth rate of its traffic
    budget_factor: float | None  # budget = factor x peak monthly spend; None: no budget
    created_days_ago: int | None = None  # None: created before the demo's 13 months
    archived_days_ago: int | None = None
    agents: tuple[str, ...] = ()
    agent_llms: tuple[str, ...] = ("gpt-4o-mini",)


@dataclass(frozen=True)
class _Stream:
    project: str
    kind: str  # voice, chat, embed, stt or tts
    model: str | None  # None for voice: each agent has its own models
    rate: float  # relative sessions per hour
    rhythm: str  # office, consumer or batch
    q1: tuple[float, float] = (1, 1)  # log-uniform range of the main quantity
    q2: tuple[float, float] = (1, 1)  # log-uniform range of output tokens (chat)
    cache_share: float = 0.0  # share of chat requests with cached input tokens


PROJECTS = (
    _Project(
        "support",
        "Support Bot",
        "#4C78A8",
        0.04,
        1.3,
        agents=(
            "Concierge",
            "Billing Helper",
            "Returns Desk",
            "Tech Support",
            "Order Tracker",
            "Password Reset",
            "Warranty Claims",
            "Shipping Updates",
            "Account Manager",
            "Feedback Collector",
        ),
        agent_llms=("gpt-4o-mini", "gpt-4o-mini", "gpt-4o"),
    ),
    _Project(
        "sales",
        "Sales Voice Agent",
        "#F58518",
        0.08,
        0.95,
        agents=(
            "Lead Qualifier",
            "Demo Booker",
            "Renewal Caller",
            "Upsell Advisor",
            "Inbound Sales",
            "Event Invites",
            "Win-back Caller",
            "Quote Builder",
        ),
        agent_llms=("gpt-4o", "gpt-4o", "claude-sonnet-4"),
    ),
    _Project(
        "clinic",
        "Clinic Receptionist",
        "#54A24B",
        0.10,
        1.2,
        created_days_ago=153,
        agents=(
            "Front Desk",
            "Appointment Reminder",
            "Prescription Refills",
            "After-hours Line",
            "Insurance Check",
            "Triage Nurse",
        ),
        agent_llms=("gpt-4o-mini", "claude-sonnet-4"),
    ),
    _Project("search", "Internal Search", "#E45756", 0.06, 1.5),
    _Project("summarizer", "Document Summarizer", "#72B7B2", 0.03, 1.1),
    _Project("code", "Code Review Assistant", "#B279A2", 0.09, 0.9),
    _Project("meetings", "Meeting Notes", "#FF9DA6", 0.05, 1.25),
    _Project("marketing", "Marketing Copy", "#9D755D", 0.0, 1.4),
    _Project("narration", "Audiobook Narration", "#BAB0AC", 0.02, 1.2),
    _Project("indexer", "Knowledge Base Indexer", "#EECA3B", 0.05, 2.0),
    _Project("legacy", "Legacy Chat Widget", "#8C6D31", -0.03, 1.0, archived_days_ago=92),
    _Project("labeling", "Data Labeling Pipeline", "#17BECF", 0.07, None),
    _Project("translate", "Translation Service", "#79706E", 0.04, 1.3),
)

STREAMS = (
    _Stream("support", "voice", None, 3.0, "consumer"),
    _Stream("support", "chat", "gpt-4o-mini", 6.0, "consumer", (800, 6000), (60, 500), 0.3),
    _Stream("sales", "voice", None, 1.5, "office"),
    _Stream("clinic", "voice", None, 1.6, "office"),
    _Stream("search", "embed", "text-embedding-3-small", 12.0, "office", (8, 200)),
    _Stream("search", "chat", "gpt-4o-mini", 6.0, "office", (2000, 12000), (100, 700), 0.5),
    _Stream("summarizer", "chat", "gpt-4o", 3.0, "office", (3000, 60000), (200, 1200), 0.4),
    _Stream("summarizer", "chat", "claude-sonnet-4", 1.5, "office", (3000, 60000), (200, 1200), 0.6),
    _Stream("code", "chat", "claude-sonnet-4", 4.0, "office", (4000, 80000), (300, 3000), 0.7),
    _Stream("code", "chat", "gpt-4o", 1.0, "office", (4000, 40000), (300, 2000), 0.3),
    _Stream("meetings", "stt", "whisper-1", 1.0, "office", (300, 5400)),
    _Stream("meetings", "chat", "gpt-4o-mini", 1.0, "office", (4000, 30000), (300, 1500), 0.2),
    _Stream("marketing", "chat", "gpt-4o", 1.5, "office", (200, 2500), (200, 1500)),
    _Stream("marketing", "chat", "claude-sonnet-4", 0.8, "office", (200, 2500), (200, 1500)),
    _Stream("narration", "tts", "tts-1-hd", 1.0, "office", (1000, 5000)),
    _Stream("narration", "tts", "eleven-turbo-v2", 1.5, "office", (1000, 5000)),
    _Stream("indexer", "embed", "text-embedding-3-small", 10.0, "batch", (200, 8000)),
    _Stream("indexer", "embed", "text-embedding-3-large", 3.0, "batch", (200, 8000)),
    _Stream("legacy", "chat", "llama-3.1-70b", 5.0, "consumer", (300, 3000), (50, 400)),
    _Stream("legacy", "chat", "gpt-4o-mini", 2.0, "consumer", (300, 3000), (50, 400), 0.2),
    _Stream("labeling", "chat", "llama-3.1-70b", 6.0, "batch", (300, 2000), (5, 60)),
    _Stream("translate", "chat", "gpt-4o-mini", 3.0, "consumer", (100, 3000), (100, 3000), 0.1),
    _Stream("translate", "stt", "deepgram-nova-2", 0.8, "consumer", (5, 120)),
    _Stream("translate", "tts", "tts-1", 1.0, "consumer", (50, 1500)),
)

# Weekday factors, Monday first; hour-of-day peaks (UTC) and holiday factors per rhythm.
WEEKDAYS = {
    "office": (1.0, 1.05, 1.05, 1.0, 0.9, 0.22, 0.18),
    "consumer": (1.0, 1.0, 1.0, 1.0, 1.05, 0.72, 0.62),
    "batch": (1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 0.85),
}
HOUR_PEAKS = {
    "office": (0.05, 1.0, 13.5, 3.5),
    "consumer": (0.15, 1.0, 17.0, 5.0),
    "batch": (0.3, 1.5, 3.0, 2.0),
}  # (floor, height, peak hour, width)
HOLIDAY_FACTORS = {"office": 0.4, "consumer": 0.65, "batch": 1.0}


# ---------------------------------------------------------------------------------------------
# Public API


def generate_demo(
    path: str | os.PathLike,
    *,
    items: int = DEFAULT_ITEMS,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a new demo warehouse (DuckDB file) at ``path``; return the row count of each table.

    The data covers the 13 calendar months up to ``now`` (default: the current UTC time) and has
    about ``items`` rows in ``usage_items``. The file is written under a temporary name and
    moved into place, so a half-written warehouse is never visible; an existing file is replaced.
    ``progress(message, fraction)`` is called as the work proceeds.

    >>> generate_demo("/tmp/demo.duckdb", items=10_000, seed=7)  # doctest: +SKIP
    {'projects': 13, 'agents': 24, 'usage_requests': 2745, 'usage_items': 10012}
    """
    report = progress or _no_progress
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    _remove_database(temporary)
    try:
        con = duckdb.connect(str(temporary))
        try:
            counts = _build(con, _Plan.make(items, seed, _naive_utc(now)), report)
        finally:
            con.close()
        os.replace(temporary, target)
    finally:
        _remove_database(temporary)
    report("done", 1.0)
    return counts


def default_cache_path(seed: int = DEFAULT_SEED, items: int = DEFAULT_ITEMS) -> Path:
    """Where the embedded demo warehouse lives: ``$XDG_CACHE_HOME/org-analytics/`` (or ~/.cache).

    >>> default_cache_path(42).name
    'demo-v1-seed42.duckdb'
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    size = "" if items == DEFAULT_ITEMS else f"-items{items}"
    return cache / "org-analytics" / f"demo-v{FORMAT_VERSION}-seed{seed}{size}.duckdb"


def ensure_demo(
    path: str | os.PathLike | None = None,
    items: int = DEFAULT_ITEMS,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> Path:
    """Return the demo warehouse's path, generating it first if it does not exist yet (reporting
    to ``progress`` as ``generate_demo`` does; the CLI passes its progress bar).

    >>> ensure_demo()                                   # doctest: +SKIP
    PosixPath('/home/me/.cache/org-analytics/demo-v1-seed42.duckdb')
    """
    target = Path(path) if path is not None else default_cache_path(seed, items)
    if not target.exists():
        generate_demo(target, items=items, seed=seed, progress=progress)
    return target


# ---------------------------------------------------------------------------------------------
# The plan: time window, seed and dimensions, all small and computed in Python


@dataclass(frozen=True)
class _Plan:
    items: int
    seed: int
    now: datetime
    start: datetime

    @classmethod
    def make(cls, items: int, seed: int, now: datetime) -> _Plan:
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        total = first.year * 12 + first.month - 1 - 12
        return cls(items, seed, now, first.replace(year=total // 12, month=total % 12 + 1))

    @property
    def now_us(self) -> int:
        return _us(self.now)

    @property
    def start_us(self) -> int:
        return _us(self.start)

    @property
    def salt(self) -> int:
        """A 60-bit number derived from the seed, mixed into every random draw."""
        return int(self._digest("salt")[:15], 16)

    def months(self) -> list[tuple[str, int, int]]:
        """(label, start, end) in microseconds of each month; the last one ends at now."""
        bounds, current = [], self.start
        while current < self.now:
            following = (current + timedelta(days=32)).replace(day=1)
            bounds.append((current.strftime("%Y-%m"), _us(current), _us(min(following, self.now))))
            current = following
        return bounds

    def project_id(self, key: str) -> str:
        return "prj_" + self._digest("project", key)[:16]

    def agent_id(self, project: str, name: str) -> str:
        return "agt_" + self._digest("agent", project, name)[:16]

    def pick(self, options: tuple, *key: object):
        """A stable choice among ``options`` for ``key``."""
        return options[int(self._digest("pick", *key)[:8], 16) % len(options)]

    def _digest(self, *parts: object) -> str:
        return hashlib.md5(":".join(map(str, (self.seed, *parts))).encode()).hexdigest()


def _project_rows(plan: _Plan) -> list[tuple]:
    rows = []
    for number, project in enumerate(PROJECTS):
        if project.created_days_ago is None:
            days_before = 60 + int(plan.pick(tuple(range(600)), "created", project.key))
            created = plan.start - timedelta(
                days=days_before, hours=-9, minutes=-plan.pick(tuple(range(60)), project.key)
            )
        else:
            created = (plan.now - timedelta(days=project.created_days_ago)).replace(
                hour=9, minute=30, second=0, microsecond=0
            )
        archived = None
        if project.archived_days_ago is not None:
            archived = (plan.now - timedelta(days=project.archived_days_ago)).replace(
                hour=17, minute=0, second=0, microsecond=0
            )
        rows.append(
            (number, plan.project_id(project.key), project.name, project.color, created, archived, project.growth)
        )
    return rows


def _agent_rows(plan: _Plan) -> list[tuple]:
    """(agent_id, project_id, name, cum_lo, llm, stt, tts, prompt_tokens) of every agent.

    Popularity within a project follows a Zipf-like curve: the first agents take most sessions.
    """
    rows = []
    for project in PROJECTS:
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(project.agents))]
        cumulative = 0.0
        for name, weight in zip(project.agents, weights):
            rows.append(
                (
                    plan.agent_id(project.key, name),
                    plan.project_id(project.key),
                    name,
                    cumulative / sum(weights),
                    plan.pick(project.agent_llms, "llm", name),
                    plan.pick(("whisper-1", "deepgram-nova-2"), "stt", name),
                    plan.pick(("tts-1", "eleven-turbo-v2"), "tts", name),
                    400 + plan.pick(tuple(range(0, 1200, 50)), "prompt", name),
                )
            )
            cumulative += weight
    return rows


def _mean_turns() -> float:
    """Expected requests per conversation: 2 + floor((MAX_EXTRA_TURNS + 1) * u**2)."""
    steps = MAX_EXTRA_TURNS + 1
    return 2 + sum(1 - math.sqrt(j / steps) for j in range(1, steps))


def _items_per_session(stream: _Stream) -> float:
    success = 1 - ERROR_RATE
    if stream.kind == "voice":
        return success * 5 * _mean_turns()
    if stream.kind == "chat":
        return success * (2 + stream.cache_share)
    return success


def _stream_rows(plan: _Plan) -> list[tuple]:
    rows = []
    for number, stream in enumerate(STREAMS):
        if stream.cache_share and "cached" not in PRICES[stream.model]:
            raise ValueError(f"{stream.model} has no cached-input price")
        rows.append(
            (
                number,
                plan.project_id(stream.project),
                stream.kind,
                SERVICE_TYPES[stream.kind],
                stream.model,
                stream.rate,
                stream.rhythm,
                *stream.q1,
                *stream.q2,
                stream.cache_share,
                _items_per_session(stream),
            )
        )
    return rows


def _rhythm_rows() -> list[tuple]:
    """(rhythm, isodow, hour, factor): weekday x hour-of-day (circular bell curve)."""
    rows = []
    for rhythm, weekdays in WEEKDAYS.items():
        floor, height, peak, width = HOUR_PEAKS[rhythm]
        for hour in range(24):
            distance = min(abs(hour + 0.5 - peak), 24 - abs(hour + 0.5 - peak))
            daily = floor + height * math.exp(-((distance / width) ** 2))
            rows.extend((rhythm, dow + 1, hour, weekday * daily) for dow, weekday in enumerate(weekdays))
    return rows


def _price_rows() -> list[tuple]:
    return [
        (model, p.get("input"), p.get("cached"), p.get("output"), p.get("second"), p.get("character"))
        for model, p in PRICES.items()
    ]


# ---------------------------------------------------------------------------------------------
# Building the file


def _build(con: duckdb.DuckDBPyConnection, plan: _Plan, report: Progress) -> dict[str, int]:
    report("preparing", 0.0)
    con.execute(SCHEMA)
    con.execute(
        f"CREATE TEMP MACRO rnd(k, s) AS "
        f"hash(xor(CAST(k AS BIGINT) * 64 + s, {plan.salt}))::DOUBLE / 18446744073709551616.0"
    )
    _load_dimensions(con, plan)
    total_weight, sessions = _create_slots(con, plan)
    report("preparing", 0.03)
    months = plan.months()
    for number, (label, lo_us, hi_us) in enumerate(months):
        first, last = _session_range(con, plan, total_weight, sessions, lo_us, hi_us)
        _generate_month(con, plan, total_weight, sessions, (first, last), (lo_us, hi_us))
        report(f"generated {label}", 0.03 + 0.93 * (number + 1) / len(months))
    _set_budgets(con, plan)
    report("saving", 0.98)
    con.execute("DROP TABLE batch")
    con.execute("CHECKPOINT")
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("projects", "agents", "usage_requests", "usage_items")
    }


def _load_dimensions(con: duckdb.DuckDBPyConnection, plan: _Plan) -> None:
    con.execute("""
        CREATE TEMP TABLE demo_projects (project_no INT, project_id VARCHAR, name VARCHAR,
            color VARCHAR, created_at TIMESTAMP, archived_at TIMESTAMP, growth DOUBLE);
        CREATE TEMP TABLE agent_configs (agent_id VARCHAR, project_id VARCHAR, name VARCHAR,
            cum_lo DOUBLE, llm_model VARCHAR, stt_model VARCHAR, tts_model VARCHAR, prompt_tokens INT);
        CREATE TEMP TABLE streams (stream_id INT, project_id VARCHAR, kind VARCHAR,
            service_type VARCHAR, model VARCHAR, rate DOUBLE, rhythm VARCHAR, q1_lo DOUBLE,
            q1_hi DOUBLE, q2_lo DOUBLE, q2_hi DOUBLE, cache_share DOUBLE, items_per_session DOUBLE);
        CREATE TEMP TABLE rhythms (rhythm VARCHAR, isodow INT, hour INT, factor DOUBLE);
        CREATE TEMP TABLE holidays (rhythm VARCHAR, factor DOUBLE);
        CREATE TEMP TABLE prices (model VARCHAR, p_input DOUBLE, p_cached DOUBLE, p_output DOUBLE,
            p_second DOUBLE, p_character DOUBLE);
    """)
    _insert(con, "demo_projects", _project_rows(plan))
    _insert(con, "agent_configs", _agent_rows(plan))
    _insert(con, "streams", _stream_rows(plan))
    _insert(con, "rhythms", _rhythm_rows())
    _insert(con, "holidays", list(HOLIDAY_FACTORS.items()))
    _insert(con, "prices", _price_rows())
    con.execute("""
        INSERT INTO projects
        SELECT project_id, name, color, NULL, created_at, archived_at FROM demo_projects ORDER BY project_no;
        INSERT INTO agents SELECT agent_id, project_id, name FROM agent_configs;
    """)


def _create_slots(con: duckdb.DuckDBPyConnection, plan: _Plan) -> tuple[int, int]:
    """Build the (stream, hour) slots; return the total weight and the number of sessions."""
    now, start = plan.now_us, plan.start_us
    con.execute(f"""
        CREATE TEMP TABLE slots AS
        WITH hours AS (
            SELECT h AS start_us, least(h + {_HOUR_US}, {now}) - h AS dur_us,
                   make_timestamp(h) AS ts, h // {_DAY_US} AS day_no
            FROM range({start}, {now}, {_HOUR_US}) t(h)
        ), weighted AS (
            SELECT s.stream_id, h.start_us, h.dur_us,
                s.rate * h.dur_us / {_HOUR_US} * r.factor
                * exp(p.growth * (h.start_us - {start}) / {_MONTH_US})
                * (0.8 + 0.4 * rnd(p.project_no * 100000 + h.day_no, 6))
                * CASE WHEN (month(h.ts) = 12 AND day(h.ts) >= 24) OR (month(h.ts) = 1 AND day(h.ts) = 1)
                       THEN hol.factor ELSE 1 END
                * CASE WHEN s.rhythm = 'batch' AND day(h.ts) = 1 THEN 2.5 ELSE 1 END
                * least(1, greatest(0.1, (h.start_us - epoch_us(p.created_at)) / {21 * _DAY_US}))
                * coalesce(least(1, greatest(0.2, (epoch_us(p.archived_at) - h.start_us) / {45 * _DAY_US})), 1)
                AS weight
            FROM streams s
            JOIN demo_projects p USING (project_id)
            JOIN holidays hol USING (rhythm)
            CROSS JOIN hours h
            JOIN rhythms r ON r.rhythm = s.rhythm AND r.isodow = isodow(h.ts) AND r.hour = hour(h.ts)
            WHERE h.start_us >= epoch_us(p.created_at)
              AND h.start_us + h.dur_us <= coalesce(epoch_us(p.archived_at), {now})
        ), integral AS (
            SELECT stream_id, start_us, dur_us, CAST(round(weight * {WEIGHT_SCALE}) AS BIGINT) AS weight
            FROM weighted
        )
        SELECT stream_id, start_us, dur_us, weight,
               CAST(sum(weight) OVER (ORDER BY start_us, stream_id ROWS UNBOUNDED PRECEDING) - weight
                    AS DOUBLE) AS cum_lo
        FROM integral WHERE weight > 0
        ORDER BY start_us, stream_id
    """)
    total, expected_items = con.execute("""
        SELECT CAST(sum(weight) AS BIGINT), sum(weight * items_per_session)
        FROM slots JOIN streams USING (stream_id)
    """).fetchone()
    return total, max(1, round(plan.items * total / expected_items))


def _session_range(
    con: duckdb.DuckDBPyConnection, plan: _Plan, total_weight: int, sessions: int, lo_us: int, hi_us: int
) -> tuple[int, int]:
    """The session numbers that may have requests in [lo_us, hi_us).

    A conversation lasts well under an hour, so sessions that start before ``lo_us - 1 hour``
    are left out; sessions are numbered in the order of their slots.
    """
    below, upto = con.execute(f"""
        SELECT coalesce(min(cum_lo) FILTER (WHERE start_us >= {lo_us - _HOUR_US}), {total_weight}),
               coalesce(min(cum_lo) FILTER (WHERE start_us >= {hi_us}), {total_weight})
        FROM slots
    """).fetchone()
    first = max(0, math.floor(sessions * below / total_weight) - 1)
    last = min(sessions, math.ceil(sessions * upto / total_weight) + 1)
    return first, last


def _generate_month(
    con: duckdb.DuckDBPyConnection,
    plan: _Plan,
    total_weight: int,
    sessions: int,
    session_range: tuple[int, int],
    window: tuple[int, int],
) -> None:
    """Generate the requests of one month into ``batch``, then append requests and items."""
    con.execute(_batch_sql(plan, total_weight, sessions, session_range, window))
    con.execute("""
        INSERT INTO usage_requests
        SELECT request_id, make_timestamp(created_us), project_id, service_type, model, agent_id,
               conversation_id, input_tokens, output_tokens, cost, status
        FROM batch ORDER BY created_us, r
    """)
    lines = "\nUNION ALL\n".join(
        f"SELECT created_us, r, {line} AS line, request_id, project_id, agent_id, "
        f"'{service}' AS service_type, {model} AS model, '{rule}' AS pricing_rule, "
        f"CAST({quantity} AS DOUBLE) AS quantity, '{unit}' AS unit, {price} AS unit_price "
        f"FROM batch WHERE {quantity} > 0"
        for line, service, model, rule, quantity, unit, price in ITEM_LINES
    )
    con.execute(f"""
        INSERT INTO usage_items
        SELECT 'itm_' || substr(md5('{plan.seed}:' || r || ':' || line), 1, 24), request_id,
               make_timestamp(created_us), project_id, agent_id, service_type, model, pricing_rule,
               quantity, unit, unit_price, quantity * unit_price
        FROM ({lines}) ORDER BY created_us, r, line
    """)


def _batch_sql(
    plan: _Plan, total_weight: int, sessions: int, session_range: tuple[int, int], window: tuple[int, int]
) -> str:
    (first, last), (lo_us, hi_us) = session_range, window
    request_cost = " + ".join(f"coalesce({quantity} * {price}, 0)" for _, _, _, _, quantity, _, price in ITEM_LINES)
    return f"""
    CREATE OR REPLACE TEMP TABLE batch AS
    WITH sessions AS (
        SELECT i, (i + rnd(i, 1)) * {total_weight} / {sessions} AS u FROM range({first}, {last}) t(i)
    ), placed AS (
        SELECT s.i, st.*,
            sl.start_us + CAST(rnd(s.i, 2) * sl.dur_us AS BIGINT) AS start_us,
            CASE WHEN st.kind = 'voice' THEN st.project_id END AS agent_project,
            rnd(s.i, 3) AS u_agent,
            CASE WHEN st.kind = 'voice' THEN 2 + CAST(floor({MAX_EXTRA_TURNS + 1} * rnd(s.i, 4) ** 2) AS INT)
                 ELSE 1 END AS turns,
            CAST((15 + 35 * rnd(s.i, 5)) * 1e6 AS BIGINT) AS gap_us
        FROM sessions s
        ASOF JOIN slots sl ON s.u >= sl.cum_lo
        JOIN streams st USING (stream_id)
    ), staffed AS (
        SELECT p.*, a.agent_id, a.llm_model AS agent_llm, a.stt_model AS agent_stt,
               a.tts_model AS agent_tts, a.prompt_tokens
        FROM placed p
        ASOF LEFT JOIN agent_configs a ON p.agent_project = a.project_id AND p.u_agent >= a.cum_lo
    ), turns AS (
        SELECT *, i * {TURN_SLOTS} + k AS r,
               start_us + k * gap_us + CAST(rnd(i * {TURN_SLOTS} + k, 10) * 0.4 * gap_us AS BIGINT) AS created_us
        FROM (SELECT *, unnest(range(turns)) AS k FROM staffed)
    ), kept AS (
        SELECT t.*, rnd(r, 11) < {ERROR_RATE} AS failed,
               rnd(r, 12) AS u1, rnd(r, 13) AS u2, rnd(r, 14) AS u3, rnd(r, 15) AS u4, rnd(r, 16) AS u5
        FROM turns t JOIN demo_projects p USING (project_id)
        WHERE t.created_us >= {lo_us} AND t.created_us < {hi_us}
          AND t.created_us < coalesce(epoch_us(p.archived_at), {plan.now_us})
    ), sized AS (
        SELECT *,
            CASE kind WHEN 'voice' THEN prompt_tokens + 140 * k + CAST(floor(250 * u1) AS BIGINT)
                      WHEN 'chat' THEN CAST(floor(q1_lo * (q1_hi / q1_lo) ** u1) AS BIGINT) END AS llm_in,
            CASE kind WHEN 'voice' THEN 20 + CAST(floor(180 * u3 ** 1.5) AS BIGINT)
                      WHEN 'chat' THEN CAST(floor(q2_lo * (q2_hi / q2_lo) ** u3) AS BIGINT) END AS llm_out,
            CASE WHEN kind = 'chat' AND u5 < cache_share THEN 0.3 + 0.6 * u2 ELSE 0 END AS cached_share,
            CASE kind WHEN 'voice' THEN round(1.5 + 12 * u2 ** 2, 1)
                      WHEN 'stt' THEN round(q1_lo * (q1_hi / q1_lo) ** u1, 1) END AS stt_seconds,
            CASE WHEN kind = 'embed' THEN CAST(floor(q1_lo * (q1_hi / q1_lo) ** u1) AS BIGINT) END AS embed_tokens
        FROM kept
    ), voiced AS (
        SELECT *,
            CASE kind WHEN 'voice' THEN round(llm_out * (3.6 + 0.8 * u4))
                      WHEN 'tts' THEN floor(q1_lo * (q1_hi / q1_lo) ** u1) END AS characters,
            CAST(floor(llm_in * cached_share) AS BIGINT) AS llm_cached
        FROM sized
    ), quantities AS (
        SELECT i, r, k, kind, created_us, project_id, service_type, agent_id, failed,
            coalesce(agent_llm, model) AS request_model,
            CASE WHEN kind IN ('voice', 'chat') THEN coalesce(agent_llm, model) END AS llm_model,
            CASE kind WHEN 'voice' THEN agent_stt WHEN 'stt' THEN model END AS stt_model,
            CASE kind WHEN 'voice' THEN agent_tts WHEN 'tts' THEN model END AS tts_model,
            CASE WHEN kind = 'embed' THEN model END AS embed_model,
            CASE WHEN kind = 'voice' THEN 'agent-platform' END AS agent_model,
            coalesce(llm_in, embed_tokens) AS input_tokens, llm_out AS output_tokens,
            stt_seconds AS q_stt, llm_in - llm_cached AS q_in, llm_cached AS q_cached, llm_out AS q_out,
            characters AS q_chars, embed_tokens AS q_embed,
            CASE WHEN kind = 'voice' THEN round((stt_seconds + characters / 14 + 1.5) / 60, 4) END AS q_min
        FROM voiced
    ), priced AS (
        SELECT q.*, ps.p_second AS p_stt, pl.p_input AS p_in, pl.p_cached, pl.p_output AS p_out,
               pt.p_character AS p_chars, pe.p_input AS p_embed, {AGENT_MINUTE_PRICE} AS p_min
        FROM quantities q
        LEFT JOIN prices pl ON pl.model = q.llm_model
        LEFT JOIN prices ps ON ps.model = q.stt_model
        LEFT JOIN prices pt ON pt.model = q.tts_model
        LEFT JOIN prices pe ON pe.model = q.embed_model
    )
    SELECT r, created_us, 'req_' || md5('{plan.seed}:' || r) AS request_id, project_id, service_type,
        request_model AS model, agent_id,
        CASE WHEN kind = 'voice' THEN 'conv_' || substr(md5('{plan.seed}:c:' || i), 1, 24) END AS conversation_id,
        CASE WHEN failed THEN NULL ELSE input_tokens END AS input_tokens,
        CASE WHEN failed THEN NULL ELSE output_tokens END AS output_tokens,
        CASE WHEN failed THEN 0.0 ELSE {request_cost} END AS cost,
        CASE WHEN failed THEN 'error' ELSE 'success' END AS status,
        llm_model, stt_model, tts_model, embed_model, agent_model,
        {
        ", ".join(
            f"CASE WHEN failed THEN NULL ELSE {column} END AS {column}"
            for column in ("q_stt", "q_in", "q_cached", "q_out", "q_chars", "q_embed", "q_min")
        )
    },
        p_stt, p_in, p_cached, p_out, p_chars, p_embed, p_min
    FROM priced
    """


def _set_budgets(con: duckdb.DuckDBPyConnection, plan: _Plan) -> None:
    """Budget each project at a round multiple of its peak spend over the complete months."""
    current_month = plan.months()[-1][1]
    peaks = dict(
        con.execute(f"""
        SELECT project_id, max(spend) FROM (
            SELECT project_id, date_trunc('month', created_at) AS month, sum(cost) AS spend
            FROM usage_items WHERE created_at < make_timestamp({current_month})
            GROUP BY ALL)
        GROUP BY project_id
    """).fetchall()
    )
    budgets = []
    for project in PROJECTS:
        peak = peaks.get(plan.project_id(project.key))
        if project.budget_factor is not None and peak:
            budgets.append((_round_significant(peak * project.budget_factor), plan.project_id(project.key)))
    con.executemany("UPDATE projects SET monthly_budget = ? WHERE project_id = ?", budgets)


# ---------------------------------------------------------------------------------------------
# Small helpers


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert small Python rows in one statement (``executemany`` is slow row by row)."""
    placeholders = "(" + ", ".join("?" * len(rows[0])) + ")"
    con.execute(
        f"INSERT INTO {table} VALUES " + ", ".join([placeholders] * len(rows)), [value for row in rows for value in row]
    )


def _round_significant(value: float, digits: int = 2) -> float:
    exponent = math.floor(math.log10(value)) - digits + 1
    return round(round(value / 10**exponent) * 10**exponent, max(0, -exponent))


def _naive_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _no_progress(message: str, fraction: float) -> None:
    """Progress is optional."""
