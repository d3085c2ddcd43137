"""A tiny warehouse for "why did spend change?" (issue 15, item 2).

October 2026 against September 2026, UTC (October is closed with the tests' now, 2026-11-25, so it
is compared with the whole of September). Each project moves one way; every number the tests expect
is worked out by hand in tests/test_spend_change.py; nothing here is computed.

Requests (project, input + output tokens) and their one item each (model, pricing rule,
quantity × unit price = cost):

  September
  s1, s2  p1 Support Bot   100 + 0   m-a input_tokens          100 × 0.01  = 1.0 each
  s3      p2 Search        100 + 0   m-a input_tokens          100 × 0.01  = 1.0
  s4      p3 Writer        100 + 0   m-a input_tokens          100 × 0.01  = 1.0
  s5, s6  p4 Voice           – + –   whisper transcription_seconds 30 × 0.01 = 0.3 each (no tokens)
  s7      p5 Legacy         50 + 0   m-a input_tokens           50 × 0.01  = 0.5
  October
  o1..o4  p1 Support Bot   100 + 0   m-a input_tokens          100 × 0.015 = 1.5 each (dearer, twice the requests)
  o5      p2 Search        300 + 0   m-a input_tokens          300 × 0.01  = 3.0      (3x the tokens per request)
  o6      p3 Writer        100 + 0   m-b input_tokens          100 × 0.03  = 3.0      (another model)
  o7, o8  p4 Voice           – + –   whisper transcription_seconds 45 × 0.01 = 0.45 each
  o9      p6 Pilot <b>      40 + 0   m-a input_tokens           40 × 0.01  = 0.4      (new; a name to escape)
"""

from __future__ import annotations

import duckdb
from edge_fixture import SCHEMA

MONTH = "2026-10"
PREVIOUS = "2026-09"
PILOT = "Pilot <b>"


def _request(rid, day, project, service, model, tokens):
    tokens = "NULL, NULL" if tokens is None else f"{tokens}, 0"
    return f"('{rid}', '{day} 09:00:00', '{project}', '{service}', '{model}', NULL, NULL, {tokens}, 0, 'success')"


def _item(rid, day, project, service, model, rule, quantity, unit, price, cost):
    return (
        f"('i-{rid}', '{rid}', '{day} 09:00:00', '{project}', NULL, '{service}', '{model}', '{rule}', "
        f"{quantity}, '{unit}', {price}, {cost})"
    )


TEXT, SPEECH = ("text_generation", "m-a"), ("speech_to_text", "whisper")
ROWS = [  # request id, day, project, (service, model), tokens, rule, quantity, unit, unit price, cost
    ("s1", "2026-09-02", "p1", TEXT, 100, "input_tokens", 100, "token", 0.01, 1.0),
    ("s2", "2026-09-03", "p1", TEXT, 100, "input_tokens", 100, "token", 0.01, 1.0),
    ("s3", "2026-09-04", "p2", TEXT, 100, "input_tokens", 100, "token", 0.01, 1.0),
    ("s4", "2026-09-05", "p3", TEXT, 100, "input_tokens", 100, "token", 0.01, 1.0),
    ("s5", "2026-09-06", "p4", SPEECH, None, "transcription_seconds", 30, "second", 0.01, 0.3),
    ("s6", "2026-09-07", "p4", SPEECH, None, "transcription_seconds", 30, "second", 0.01, 0.3),
    ("s7", "2026-09-08", "p5", TEXT, 50, "input_tokens", 50, "token", 0.01, 0.5),
    ("o1", "2026-10-02", "p1", TEXT, 100, "input_tokens", 100, "token", 0.015, 1.5),
    ("o2", "2026-10-03", "p1", TEXT, 100, "input_tokens", 100, "token", 0.015, 1.5),
    ("o3", "2026-10-04", "p1", TEXT, 100, "input_tokens", 100, "token", 0.015, 1.5),
    ("o4", "2026-10-05", "p1", TEXT, 100, "input_tokens", 100, "token", 0.015, 1.5),
    ("o5", "2026-10-06", "p2", TEXT, 300, "input_tokens", 300, "token", 0.01, 3.0),
    ("o6", "2026-10-07", "p3", ("text_generation", "m-b"), 100, "input_tokens", 100, "token", 0.03, 3.0),
    ("o7", "2026-10-08", "p4", SPEECH, None, "transcription_seconds", 45, "second", 0.01, 0.45),
    ("o8", "2026-10-09", "p4", SPEECH, None, "transcription_seconds", 45, "second", 0.01, 0.45),
    ("o9", "2026-10-10", "p6", TEXT, 40, "input_tokens", 40, "token", 0.01, 0.4),
]
PROJECTS = [("p1", "Support Bot"), ("p2", "Search"), ("p3", "Writer"), ("p4", "Voice"), ("p5", "Legacy"), ("p6", PILOT)]


def build_spend_change_warehouse(path) -> None:
    """Write the warehouse to the DuckDB file ``path`` (which must not exist)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        for pid, name in PROJECTS:
            con.execute("INSERT INTO projects VALUES (?, ?, NULL, NULL, '2026-01-01', NULL)", [pid, name])
        requests = [_request(r, d, p, s, m, t) for r, d, p, (s, m), t, *_ in ROWS]
        items = [_item(r, d, p, s, m, rule, q, u, up, c) for r, d, p, (s, m), _t, rule, q, u, up, c in ROWS]
        con.execute("INSERT INTO usage_requests VALUES " + ", ".join(requests))
        con.execute("INSERT INTO usage_items VALUES " + ", ".join(items))
    finally:
        con.close()
