"""A tiny warehouse for a KPI's history (issue 15, item 8): a few requests spread over a year and a
half, in New York (tests/test_kpi_history.py works out every month's numbers by hand; nothing here
is computed). "Now" is 2026-11-25 12:00 UTC, so November 2026 is the current, partial month.

Requests (UTC stamp = New York time; project, conversation, input + output tokens, status) and their
items (model: cost):

  old   2025-11-01 03:30 = Oct 31 23:30 EDT   p1 c0  10 + 0   success  m-a: 7.0   (UTC says November)
  n1    2025-11-10 15:00 = Nov 10 10:00 EST   p1 c1 100 + 20  success  m-a: 1.0
  n2    2025-11-20 15:00 = Nov 20 10:00 EST   p2 c1  30 + 0   error    m-a: 0.25  (failed, still billed)
  f1    2026-03-01 04:30 = Feb 28 23:30 EST   p1 c2   5 + 5   success  m-b: 0.5   (UTC says March)
  m1    2026-03-15 12:00 = Mar 15 08:00 EDT   p3 c3 200 + 100 success  m-a: 2.0, m-b: 1.0
  m2    2026-03-20 12:00 = Mar 20 08:00 EDT   p3  –   0 + 0   success  no model: null cost
  o1    2026-10-31 12:00 = Oct 31 08:00 EDT   p1 c4   1 + 1   success  m-a: 0.75
  c1    2026-11-03 10:00 = Nov  3 05:00 EST   p1 c5  40 + 10  success  m-c: 1.5
  c2    2026-11-25 11:00 = Nov 25 06:00 EST   p2 c5  20 + 0   error    m-c: 0.0
  late  2026-11-25 13:00 (after "now")        p1 c6 500 + 0   success  m-d: 9.0   (not yet: never counted)
"""

from __future__ import annotations

import duckdb
from edge_fixture import SCHEMA

ZONE = "America/New_York"
NOW = "2026-11-25T12:00:00Z"

ROWS = [  # request id, created_at (UTC), project, conversation, input, output, status, [(model, cost)]
    ("old", "2025-11-01 03:30:00", "p1", "c0", 10, 0, "success", [("m-a", 7.0)]),
    ("n1", "2025-11-10 15:00:00", "p1", "c1", 100, 20, "success", [("m-a", 1.0)]),
    ("n2", "2025-11-20 15:00:00", "p2", "c1", 30, 0, "error", [("m-a", 0.25)]),
    ("f1", "2026-03-01 04:30:00", "p1", "c2", 5, 5, "success", [("m-b", 0.5)]),
    ("m1", "2026-03-15 12:00:00", "p3", "c3", 200, 100, "success", [("m-a", 2.0), ("m-b", 1.0)]),
    ("m2", "2026-03-20 12:00:00", "p3", None, 0, 0, "success", [(None, None)]),
    ("o1", "2026-10-31 12:00:00", "p1", "c4", 1, 1, "success", [("m-a", 0.75)]),
    ("c1", "2026-11-03 10:00:00", "p1", "c5", 40, 10, "success", [("m-c", 1.5)]),
    ("c2", "2026-11-25 11:00:00", "p2", "c5", 20, 0, "error", [("m-c", 0.0)]),
    ("late", "2026-11-25 13:00:00", "p1", "c6", 500, 0, "success", [("m-d", 9.0)]),
]


def build_kpi_history_warehouse(path) -> None:
    """Write the warehouse to the DuckDB file ``path`` (which must not exist)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        for pid in ("p1", "p2", "p3"):
            con.execute("INSERT INTO projects VALUES (?, ?, NULL, NULL, '2025-01-01', NULL)", [pid, pid.upper()])
        for rid, at, project, conversation, tokens_in, tokens_out, status, items in ROWS:
            con.execute(
                "INSERT INTO usage_requests VALUES (?, ?, ?, 'text_generation', NULL, NULL, ?, ?, ?, NULL, ?)",
                [rid, at, project, conversation, tokens_in, tokens_out, status],
            )
            for n, (model, cost) in enumerate(items):
                con.execute(
                    "INSERT INTO usage_items VALUES (?, ?, ?, ?, NULL, 'text_generation', ?, 'input_tokens', "
                    "1, 'token', ?, ?)",
                    [f"{rid}-{n}", rid, at, project, model, cost, cost],
                )
    finally:
        con.close()
