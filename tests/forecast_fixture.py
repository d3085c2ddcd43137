"""A tiny warehouse for the month-end forecast, every expected number worked out by hand in
tests/test_forecast.py. Zone UTC; "now" is 2026-11-25T12:00:00Z (tests' DEFAULT_NOW): today is
Wednesday 25 November, half of it gone; the month ends on Monday 30 November.

The 4 weeks before today (week k starts today − 7k):
  week 1: Wed 18 .. Tue 24 Nov    week 2: Wed 11 .. Tue 17 Nov
  week 3: Wed  4 .. Tue 10 Nov    week 4: Wed 28 Oct .. Tue 3 Nov

Projects (one item a day at 12:00 UTC, each with its request):
  * p_alpha "Alpha", budget $200: every weekday $10 in weeks 1 and 4, $12 in week 2, $8 in week 3;
    Saturday and Sunday $2; today $7 so far (06:00) and $100 after now (18:00: not counted).
    Its first item, Wed 28 Oct, is the warehouse's first usage.
  * p_beta "Beta", budget $50: one item of $60 on Fri 20 Nov.
  * p_delta "Delta", budget $100: no usage at all.
  * p_<b>, named "<b>Gamma</b>" (a name that is markup), no budget: $1 on Mon 23 Nov.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from edge_fixture import SCHEMA

NOW = "2026-11-25T12:00:00Z"
MONTH = "2026-11"
ZONE = "UTC"


def alpha_cost(day: date) -> float:
    """Alpha's cost of a day before today (see the module's docstring)."""
    if day.weekday() >= 5:
        return 2.0
    week = ((date(2026, 11, 25) - day).days - 1) // 7 + 1  # week k: today - 7k .. today - 7k + 6
    return {1: 10.0, 2: 12.0, 3: 8.0, 4: 10.0}[week]


def build_forecast_warehouse(path) -> None:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.executemany(
        "INSERT INTO projects VALUES (?, ?, ?, ?, ?, NULL)",
        [
            ("p_alpha", "Alpha", "#4C78A8", 200.0, datetime(2026, 1, 1)),
            ("p_beta", "Beta", "#F58518", 50.0, datetime(2026, 1, 1)),
            ("p_delta", "Delta", "#54A24B", 100.0, datetime(2026, 1, 1)),
            ("p_<b>", "<b>Gamma</b>", "#E45756", None, datetime(2026, 1, 1)),
        ],
    )
    rows = []
    day = date(2026, 10, 28)
    while day < date(2026, 11, 25):
        rows.append(("p_alpha", datetime(day.year, day.month, day.day, 12), alpha_cost(day)))
        day += timedelta(days=1)
    rows += [
        ("p_alpha", datetime(2026, 11, 25, 6), 7.0),
        ("p_alpha", datetime(2026, 11, 25, 18), 100.0),
        ("p_beta", datetime(2026, 11, 20, 12), 60.0),
        ("p_<b>", datetime(2026, 11, 23, 12), 1.0),
    ]
    for i, (project, at, cost) in enumerate(rows):
        con.execute(
            "INSERT INTO usage_requests VALUES (?, ?, ?, 'text_generation', 'm1', NULL, NULL, 10, 5, ?, 'success')",
            [f"r{i}", at, project, cost],
        )
        con.execute(
            "INSERT INTO usage_items VALUES (?, ?, ?, ?, NULL, 'text_generation', 'm1', 'input_tokens', 10, 'token', ?, ?)",
            [f"i{i}", f"r{i}", at, project, cost / 10, cost],
        )
    con.close()
