"""A tiny warehouse for where the money goes and how well it works (issue 15, items 5 and 6).

October 2026, UTC (a closed month with the tests' now, 2026-11-25). Every number the tests expect
from it is worked out by hand in their docstrings and comments; nothing here is computed.

Requests (project, agent, conversation, input + output tokens, status):

  r1  Oct 2 10:00  p1 Support  a1 Concierge  c1  1000 + 200  success
  r2  Oct 2 11:00  p1 Support  a1 Concierge  c1   500 + 0    error     failed: its tokens left out
  r3  Oct 3 09:00  p1 Support  a1 Concierge  c2  2000 + 800  success
  r4  Oct 4 09:00  p2 Search   a2 Finder     –   3000 + 0    success
  r5  Oct 5 09:00  p2 Search   a2 Finder     c3   400 + 100  error
  r6  Oct 6 09:00  p2 Search   –             –      – + –    success   speech to text
  r7  Oct 7 09:00  p1 Support  –             c2     – + –    success   agent minutes, no model
  r8  Sep 30 23:00 p1 Support  a1 Concierge  c9   100 + 0    success   September: not counted

Items (model, pricing rule, quantity × unit price = cost):

  r1  m-big    input_tokens          600 × 0.002  = 1.2
  r1  m-big    cached_input_tokens   400 × 0.0005 = 0.2
  r1  m-big    output_tokens         200 × 0.004  = 0.8
  r2  m-big    input_tokens          500 × 0.002  = 1.0    a provider that bills a failure
  r3  m-big    input_tokens         1000 × 0.002  = 2.0
  r3  m-big    cached_input_tokens  1000 × 0.0005 = 0.5
  r3  m-big    output_tokens         800 × 0.004  = 3.2
  r4  emb      input_tokens         3000 × 0.0001 = 0.3
  r5  m-small  input_tokens          200 × 0.0005 = 0.1
  r5  m-small  cached_input_tokens   200 × 0.0005 = 0.1    a cache read at the full price: saves 0
  r6  whisper  transcription_seconds  60 × 0.01   = 0.6
  r7  –        agent_minutes           4 × 0.25   = 1.0
  r8  m-big    input_tokens          100 × 0.002  = 0.2    September
"""

from __future__ import annotations

import duckdb
from edge_fixture import SCHEMA

MONTH = "2026-10"
ROWS = """
INSERT INTO projects VALUES
('p1', 'Support', '#1F77B4', 100.0, '2026-01-01', NULL),
('p2', 'Search', NULL, NULL, '2026-01-01', NULL);
INSERT INTO agents VALUES ('a1', 'p1', 'Concierge'), ('a2', 'p2', 'Finder');
INSERT INTO usage_requests VALUES
('r1', '2026-10-02 10:00:00', 'p1', 'text_generation', 'm-big', 'a1', 'c1', 1000, 200, 2.2, 'success'),
('r2', '2026-10-02 11:00:00', 'p1', 'text_generation', 'm-big', 'a1', 'c1', 500, 0, 1.0, 'error'),
('r3', '2026-10-03 09:00:00', 'p1', 'text_generation', 'm-big', 'a1', 'c2', 2000, 800, 5.7, 'success'),
('r4', '2026-10-04 09:00:00', 'p2', 'embedding', 'emb', 'a2', NULL, 3000, 0, 0.3, 'success'),
('r5', '2026-10-05 09:00:00', 'p2', 'text_generation', 'm-small', 'a2', 'c3', 400, 100, 0.2, 'error'),
('r6', '2026-10-06 09:00:00', 'p2', 'speech_to_text', 'whisper', NULL, NULL, NULL, NULL, 0.6, 'success'),
('r7', '2026-10-07 09:00:00', 'p1', 'agent', NULL, NULL, 'c2', NULL, NULL, 1.0, 'success'),
('r8', '2026-09-30 23:00:00', 'p1', 'text_generation', 'm-big', 'a1', 'c9', 100, 0, 0.2, 'success');
INSERT INTO usage_items VALUES
('i1a', 'r1', '2026-10-02 10:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'input_tokens', 600, 'token', 0.002, 1.2),
('i1b', 'r1', '2026-10-02 10:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'cached_input_tokens', 400, 'token', 0.0005, 0.2),
('i1c', 'r1', '2026-10-02 10:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'output_tokens', 200, 'token', 0.004, 0.8),
('i2a', 'r2', '2026-10-02 11:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'input_tokens', 500, 'token', 0.002, 1.0),
('i3a', 'r3', '2026-10-03 09:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'input_tokens', 1000, 'token', 0.002, 2.0),
('i3b', 'r3', '2026-10-03 09:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'cached_input_tokens', 1000, 'token', 0.0005, 0.5),
('i3c', 'r3', '2026-10-03 09:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'output_tokens', 800, 'token', 0.004, 3.2),
('i4a', 'r4', '2026-10-04 09:00:00', 'p2', 'a2', 'embedding', 'emb', 'input_tokens', 3000, 'token', 0.0001, 0.3),
('i5a', 'r5', '2026-10-05 09:00:00', 'p2', 'a2', 'text_generation', 'm-small', 'input_tokens', 200, 'token', 0.0005, 0.1),
('i5b', 'r5', '2026-10-05 09:00:00', 'p2', 'a2', 'text_generation', 'm-small', 'cached_input_tokens', 200, 'token', 0.0005, 0.1),
('i6a', 'r6', '2026-10-06 09:00:00', 'p2', NULL, 'speech_to_text', 'whisper', 'transcription_seconds', 60, 'second', 0.01, 0.6),
('i7a', 'r7', '2026-10-07 09:00:00', 'p1', NULL, 'agent', NULL, 'agent_minutes', 4, 'minute', 0.25, 1.0),
('i8a', 'r8', '2026-09-30 23:00:00', 'p1', 'a1', 'text_generation', 'm-big', 'input_tokens', 100, 'token', 0.002, 0.2);
"""


def build_efficiency_warehouse(path) -> None:
    """Write the warehouse to the DuckDB file ``path`` (which must not exist)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        con.execute(ROWS)
    finally:
        con.close()
