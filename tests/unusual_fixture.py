"""A tiny warehouse for unusual days, every expected number worked out by hand in
tests/test_unusual.py. Zone UTC; usage from Thu 1 Oct 2026 (the warehouse's first day) through
Mon 30 Nov 2026, one item a day per project at 12:00, each with its request:

  * p_alpha "Alpha", model m-small: Mon $10, Tue $12, Wed $14, Thu $12, Fri $10; Sat and Sun $1.50.
  * p_beta "Beta", model m-big: every weekday $5; Sat and Sun $0.50.

So a normal day costs Mon 15, Tue 17, Wed 19, Thu 17, Fri 15, Sat 2, Sun 2 in all. Then:

  * Wed 18 Nov (the spike): Alpha $17 (not 14), and Beta's $5 plus four more items of $10 each
    (13:00 .. 16:00, one request each): Beta $45, 5 items that day. The day costs 17 + 45 = 62.
  * Sat 21 Nov: Alpha $2.40 (not 1.50): the day costs 2.90, 90 cents above a flat baseline.
  * Sun 29 Nov: no usage at all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from edge_fixture import SCHEMA

MONTH = "2026-11"
ZONE = "UTC"
CLOSED_NOW = "2026-12-02T12:00:00Z"  # November is a closed month
CURRENT_NOW = "2026-11-29T12:00:00Z"  # November is the current month, today Sun 29 (not whole)
SPIKE = date(2026, 11, 18)
ALPHA_WEEKDAY = {0: 10.0, 1: 12.0, 2: 14.0, 3: 12.0, 4: 10.0}


def rows() -> list[tuple[str, str, datetime, float]]:
    """(project_id, model, created_at, cost) of every item."""
    out = []
    day = date(2026, 10, 1)
    while day <= date(2026, 11, 30):
        noon = datetime(day.year, day.month, day.day, 12)
        weekend = day.weekday() >= 5
        if day == date(2026, 11, 29):
            pass
        elif day == SPIKE:
            out += [("p_alpha", "m-small", noon, 17.0), ("p_beta", "m-big", noon, 5.0)]
            out += [("p_beta", "m-big", noon + timedelta(hours=h), 10.0) for h in (1, 2, 3, 4)]
        elif day == date(2026, 11, 21):
            out += [("p_alpha", "m-small", noon, 2.4), ("p_beta", "m-big", noon, 0.5)]
        else:
            out += [
                ("p_alpha", "m-small", noon, 1.5 if weekend else ALPHA_WEEKDAY[day.weekday()]),
                ("p_beta", "m-big", noon, 0.5 if weekend else 5.0),
            ]
        day += timedelta(days=1)
    return out


def build_unusual_warehouse(path) -> None:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.executemany(
        "INSERT INTO projects VALUES (?, ?, ?, ?, ?, NULL)",
        [
            ("p_alpha", "Alpha", "#4C78A8", None, datetime(2026, 1, 1)),
            ("p_beta", "Beta", "#F58518", None, datetime(2026, 1, 1)),
        ],
    )
    for i, (project, model, at, cost) in enumerate(rows()):
        con.execute(
            "INSERT INTO usage_requests VALUES (?, ?, ?, 'text_generation', ?, NULL, NULL, 10, 5, ?, 'success')",
            [f"r{i}", at, project, model, cost],
        )
        con.execute(
            "INSERT INTO usage_items VALUES (?, ?, ?, ?, NULL, 'text_generation', ?, 'input_tokens', 10, 'token', ?, ?)",
            [f"i{i}", f"r{i}", at, project, model, cost / 10, cost],
        )
    con.close()
