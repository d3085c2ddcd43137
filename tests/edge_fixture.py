"""A small hand-written DuckDB warehouse full of edge cases (data contract, section 1).

Every number the acceptance tests expect from it is worked out by hand in
tests/test_report_contract.py; nothing here is computed.  All timestamps are naive
TIMESTAMPs meaning UTC.  Local times in the comments are America/New_York (NY) unless
marked IST (Asia/Kolkata, +05:30) or UTC.

Time-zone facts used throughout:
  * NY, March 2026: EST (UTC-5) until 2026-03-08 02:00 local, then EDT (UTC-4).
    March NY = [2026-03-01 05:00Z, 2026-04-01 04:00Z); local day 03-08 = [03-08 05:00Z, 03-09 04:00Z).
  * NY, November 2026: EDT until 2026-11-01 02:00 local, then EST.
    Local day 11-01 = [11-01 04:00Z, 11-02 05:00Z) (25 hours).
  * Kolkata March 2026 = [2026-02-28 18:30Z, 2026-03-31 18:30Z).

Contents:
  * March 2026 is the "busy month": 10 projects with items (more than 6 -> Others slice),
    12 agent candidates (more than 10), six service types (one unknown), ties, credits,
    nulls, an orphan project, an agent missing from `agents`, DST-day rows and rows on
    the month boundaries of NY, UTC and Kolkata.
  * November 2026 is the "current month" (tests use --now 2026-11-25T12:00:00Z): four
    projects with items (no Others), rows after now, DST-end rows.
  * February has a few rows that must not leak into March; December has one row after now.
  * June 2026 has no rows at all (the empty month).
"""

from __future__ import annotations

import duckdb

SCHEMA = """
CREATE TABLE projects (
    project_id     VARCHAR,
    name           VARCHAR,
    color          VARCHAR,
    monthly_budget DOUBLE,
    created_at     TIMESTAMP,
    archived_at    TIMESTAMP
);
CREATE TABLE agents (
    agent_id   VARCHAR,
    project_id VARCHAR,
    name       VARCHAR
);
CREATE TABLE usage_requests (
    request_id      VARCHAR,
    created_at      TIMESTAMP,
    project_id      VARCHAR,
    service_type    VARCHAR,
    model           VARCHAR,
    agent_id        VARCHAR,
    conversation_id VARCHAR,
    input_tokens    BIGINT,
    output_tokens   BIGINT,
    cost            DOUBLE,
    status          VARCHAR
);
CREATE TABLE usage_items (
    item_id      VARCHAR,
    request_id   VARCHAR,
    created_at   TIMESTAMP,
    project_id   VARCHAR,
    agent_id     VARCHAR,
    service_type VARCHAR,
    model        VARCHAR,
    pricing_rule VARCHAR,
    quantity     DOUBLE,
    unit         VARCHAR,
    unit_price   DOUBLE,
    cost         DOUBLE
);
"""

PROJECTS = """
INSERT INTO projects VALUES
-- The nine ordinary live projects (created 2025, never archived): exist in every 2026 month.
('p_support', 'Support bot', '#1f77b4', 500.0, '2025-01-10 00:00:00', NULL),            -- busiest project
('p_voice',   'Voice desk',  '#ff7f0e', 300.0, '2025-02-01 00:00:00', NULL),            -- voice agent, speech, tts
('p_search',  'Search',      NULL,      NULL,  '2025-03-01 00:00:00', NULL),            -- ties docs QA at 3.0 in March; null colour
('p_docs',    'docs QA',     'not-a-colour', 50.0, '2025-04-01 00:00:00', NULL),        -- lower-case name: 'Search' < 'docs QA' by code point
('p_xss',     '<script>alert(1)</script>', '#2ca02c', NULL, '2025-05-01 00:00:00', NULL), -- names are data, never markup
('p_zulu',    'zulu',        NULL,      NULL,  '2025-06-01 00:00:00', NULL),            -- 1.0000000000001 in March: ties the orphan after rounding
('p_zero',    'Zero sum',    NULL,      NULL,  '2025-07-01 00:00:00', NULL),            -- +0.5 and -0.5 in March: a 0 total, still a slice
('p_neg',     'Refunds',     NULL,      NULL,  '2025-08-01 00:00:00', NULL),            -- negative total (-1.0) in March
('p_tiny',    'Tiny credit', NULL,      NULL,  '2025-09-01 00:00:00', NULL),            -- a -1e-14 item: rounds to -0.0, printed 0.0
-- Projects that only exercise total_projects (no usage in the months tested, unless noted).
('p_old_active',  'Legacy',                '#000000', NULL, '2024-01-01 00:00:00', '2025-12-31 00:00:00'), -- archived long ago but has a March request: counts (active)
('p_feb',         'February only',         NULL, NULL, '2025-10-01 00:00:00', '2026-02-20 00:00:00'), -- archived before March, usage only in February
('p_arch_ist',    'Archived Feb 28 20:00Z', NULL, NULL, '2025-01-01 00:00:00', '2026-02-28 20:00:00'), -- >= Kolkata March start only
('p_arch_utc',    'Archived at UTC start', NULL, NULL, '2025-01-01 00:00:00', '2026-03-01 00:00:00'), -- == UTC March start: counts for UTC, IST; not NY
('p_arch_before', 'Archived 1s before NY', NULL, NULL, '2025-01-01 00:00:00', '2026-03-01 04:59:59'), -- 1 s before NY March start: not NY; UTC, IST yes
('p_arch_start',  'Archived at NY start',  NULL, NULL, '2025-01-01 00:00:00', '2026-03-01 05:00:00'), -- == NY March start: counts (archived_at >= start)
('p_arch_within', 'Archived mid-March',    NULL, NULL, '2025-01-01 00:00:00', '2026-03-15 12:00:00'), -- archived within March: counts in March
('p_arch_after',  'Archived in May',       NULL, NULL, '2025-01-01 00:00:00', '2026-05-01 00:00:00'), -- archived after March: counts in March, not June/Nov
('p_new_in',      'Created last NY second', NULL, NULL, '2026-04-01 03:59:59', NULL), -- created < NY March end: counts for NY only
('p_new_out',     'Created at NY April',   NULL, NULL, '2026-04-01 04:00:00', NULL),  -- created == NY March end: not in March
('p_twin_b',      'Twin',                  NULL, NULL, '2026-10-01 00:00:00', NULL),  -- same name and cost as p_twin_a in Nov: tie broken by id
('p_twin_a',      'Twin',                  NULL, NULL, '2026-10-01 00:00:00', NULL),  -- (inserted after p_twin_b on purpose)
('p_nov_in',      'Created before now',    NULL, NULL, '2026-11-25 11:00:00', NULL),  -- created before --now: counts in Nov
('p_nov_out',     'Created at now',        NULL, NULL, '2026-11-25 12:00:00', NULL);  -- created == --now (= end of Nov period): not in Nov
-- 'p_orphan' is used by usage rows but deliberately missing here.
"""

AGENTS = """
INSERT INTO agents VALUES
('a_conc',   'p_support', 'Concierge'),    -- top agent in March (3.0); only agent in Nov
('a_book',   'p_support', 'Booker'),       -- 2.0, ties a_voice: 'Booker' < 'Voice agent'
('a_voice',  'p_voice',   'Voice agent'),  -- voice-agent request with 4 items of 4 service types (2.0)
('a_zed',    'p_search',  'Zed'),          -- 1.0, ties a_ghost (unnamed -> id): 'Zed' < 'a_ghost' by code point
('a_late',   'p_support', 'Latecomer'),    -- request in February (NY), its item in March: 0 requests, 0.75 cost
('a_help2',  'p_xss',     'Helper'),       -- same name and cost as a_help1: tie broken by agent_id
('a_help1',  'p_xss',     'Helper'),
('a_idle_a', 'p_search',  'Idle A'),       -- requests without items: cost 0, ranks 9
('a_idle_b', 'p_search',  'Idle B'),       -- cost 0, ranks 10 (last one in)
('a_idle_c', 'p_search',  'Idle C'),       -- cost 0, ranks 11: cut by the top-10 limit
('a_refund', 'p_neg',     'Refund agent'), -- negative cost (-0.25): ranks 12, cut
('a_feb',    'p_feb',     'February only'),-- 9.0 in February only: never a March candidate
('a_unused', 'p_support', 'Never used');   -- no rows at all
-- 'a_ghost' is used by usage rows but deliberately missing here.
"""

# Columns: request_id, created_at, project_id, service_type, model, agent_id, conversation_id,
#          input_tokens, output_tokens, cost, status
REQUESTS = """
INSERT INTO usage_requests VALUES
-- ---- March 2026, p_support ----
('req_s01', '2026-03-01 05:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 100, 50, 1.5, 'success'),   -- NY 03-01 00:00 (first NY instant)
('req_s02', '2026-03-08 04:59:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 10, NULL, 0.25, 'success'), -- NY 03-07 23:59:59 EST; null output tokens
('req_s03', '2026-03-08 05:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, NULL, NULL, NULL, 'success'), -- NY 03-08 00:00 EST; all-null tokens and cost
('req_s04', '2026-03-09 03:59:59', 'p_support', 'embedding', 'emb-1', NULL, NULL, 1000, 0, 0.5, 'success'),         -- NY 03-08 23:59:59 EDT (still the 23-hour DST day)
('req_s05', '2026-03-09 04:00:00', 'p_support', 'embedding', 'emb-1', NULL, NULL, 2000, NULL, 1.0, 'success'),      -- NY 03-09 00:00 EDT
('req_s06', '2026-03-31 18:30:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 200, 100, 99.0, 'success'), -- IST 04-01 00:00 (April in Kolkata); request.cost 99 != item sum 0.5
('req_s07', '2026-04-01 00:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 300, 0, 0.75, 'success'),   -- NY 03-31 20:00 EDT; April in UTC
('req_s08', '2026-04-01 03:59:59', 'p_support', 'text_generation', 'gpt-y', NULL, NULL, 0, 100, 0.25, 'success'),   -- NY 03-31 23:59:59 EDT (last NY March instant)
('req_s09', '2026-03-31 12:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 5, 5, 5.0, 'success'),      -- in March everywhere, but its only item is in April
('req_c01', '2026-03-10 15:00:00', 'p_support', 'agent', 'gpt-x', 'a_conc', 'conv_1', 100, 100, 1.0, 'success'),    -- agent request with an agent item and a text_generation item
('req_c02', '2026-03-10 16:00:00', 'p_support', 'agent', 'gpt-x', 'a_conc', 'conv_1', NULL, NULL, 1.0, 'success'),  -- its item is stamped NY 03-11 00:30 (counted on 03-11)
('req_c03', '2026-03-11 15:00:00', 'p_support', 'agent', 'gpt-x', 'a_conc', 'conv_2', NULL, NULL, 1.0, 'success'),  -- second Concierge conversation
('req_b01', '2026-03-12 15:00:00', 'p_support', 'agent', 'gpt-x', 'a_book', 'conv_3', NULL, NULL, 2.0, 'success'),  -- Booker 2.0
('req_l01', '2026-03-01 04:00:00', 'p_support', 'agent', 'gpt-x', 'a_late', 'conv_late', 7, NULL, 0.75, 'success'),-- NY 02-28 23:00 (February); UTC/IST March; item at NY 03-01 00:30
-- ---- March 2026, other projects ----
('req_v01', '2026-03-05 14:00:00', 'p_voice', 'agent', 'gpt-x', 'a_voice', 'conv_v1', 50, 60, 2.0, 'success'),     -- voice agent: speech, text, tts and agent items
('req_v02', '2026-03-20 14:00:00', 'p_voice', 'speech_to_text', 'whisper-1', NULL, NULL, NULL, NULL, 1.2, 'success'), -- two items, same rule, two units
('req_v04', '2026-03-06 14:00:00', 'p_voice', 'text_to_speech', 'tts-1', NULL, NULL, NULL, NULL, 0.5, 'success'),   -- makes text_to_speech 1.0 = image_generation
('req_g01', '2026-03-21 14:00:00', 'p_voice', 'agent', NULL, 'a_ghost', 'conv_g1', NULL, NULL, 0.5, 'success'),     -- ghost agent (not in agents) in p_voice
('req_g02', '2026-03-22 14:00:00', 'p_docs', 'agent', NULL, 'a_ghost', 'conv_g1', NULL, NULL, 0.5, 'success'),      -- ghost in p_docs (< p_voice): its project; same conversation
('req_q01', '2026-03-03 15:00:00', 'p_search', 'embedding', 'emb-1', NULL, NULL, 4000, NULL, 2.0, 'success'),       -- Search embedding
('req_ia1', '2026-03-15 14:00:00', 'p_search', 'agent', 'gpt-x', 'a_idle_a', NULL, NULL, NULL, NULL, 'error'),      -- idle agents: requests, no items
('req_ib1', '2026-03-16 14:00:00', 'p_search', 'agent', 'gpt-x', 'a_idle_b', 'conv_ib', 0, 0, 0.0, 'error'),
('req_ic1', '2026-03-17 14:00:00', 'p_search', 'agent', 'gpt-x', 'a_idle_c', NULL, NULL, NULL, NULL, 'error'),
('req_z01', '2026-03-18 14:00:00', 'p_search', 'agent', NULL, 'a_zed', 'conv_z', NULL, NULL, 1.0, 'success'),       -- Zed 1.0
('req_d01', '2026-03-25 14:00:00', 'p_docs', 'text_generation', 'gpt-y', NULL, NULL, 1000, 500, 2.5, 'success'),    -- docs QA text
('req_x01', '2026-03-26 14:00:00', 'p_xss', 'image_generation', 'img-1', NULL, NULL, NULL, NULL, 1.0, 'success'),   -- unknown service type
('req_h1',  '2026-03-27 14:00:00', 'p_xss', 'agent', NULL, 'a_help1', 'conv_h1', NULL, NULL, 0.5, 'success'),      -- Helper (a_help1)
('req_h2',  '2026-03-27 15:00:00', 'p_xss', 'agent', NULL, 'a_help2', 'conv_h2', NULL, NULL, 0.5, 'success'),      -- Helper (a_help2)
('req_o01', '2026-03-28 14:00:00', 'p_orphan', 'text_generation', 'gpt-x', NULL, NULL, 100, 100, 1.0, 'success'),   -- orphan project (missing from projects)
('req_zu1', '2026-03-29 14:00:00', 'p_zulu', 'text_generation', 'gpt-x', NULL, NULL, 10, 20, 1.0, 'success'),       -- zulu
('req_zr1', '2026-03-30 14:00:00', 'p_zero', 'text_generation', 'gpt-x', NULL, NULL, 50, NULL, 0.0, 'success'),     -- +0.5 / -0.5
('req_n01', '2026-03-30 15:00:00', 'p_neg', 'text_generation', 'gpt-x', NULL, NULL, NULL, NULL, -0.75, 'success'),  -- refund
('req_rf1', '2026-03-30 16:00:00', 'p_neg', 'agent', NULL, 'a_refund', NULL, NULL, NULL, -0.25, 'success'),        -- agent refund
('req_t01', '2026-03-30 17:00:00', 'p_tiny', 'text_generation', NULL, NULL, NULL, NULL, NULL, NULL, NULL),         -- -1e-14 item; null model and status
('req_lg1', '2026-03-02 15:00:00', 'p_old_active', 'text_generation', 'gpt-old', NULL, NULL, 10, NULL, 0.0, 'error'), -- archived project active; no items; model only on request
-- ---- month-boundary rows (p_support, text_generation, one 1-token item each; costs 0.01 * 2^k) ----
('req_e02', '2026-02-28 18:29:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.04, 'success'), -- IST 02-28 23:59:59: February everywhere
('req_e01', '2026-02-28 18:30:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.08, 'success'), -- IST 03-01 00:00: March in Kolkata only
('req_e06', '2026-02-28 23:59:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.01, 'success'), -- UTC 02-28 23:59:59: March in Kolkata only
('req_e05', '2026-03-01 00:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.02, 'success'), -- UTC 03-01 00:00: UTC and IST March; NY 02-28 19:00
('req_e03', '2026-03-01 04:59:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.16, 'success'), -- NY 02-28 23:59:59: UTC and IST March only
('req_e07', '2026-03-31 18:29:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.32, 'success'), -- IST 03-31 23:59:59: March everywhere
('req_e08', '2026-03-31 23:59:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 0.64, 'success'), -- UTC 03-31 23:59:59: NY and UTC March; IST April
('req_e04', '2026-04-01 04:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1, NULL, 1.28, 'success'), -- NY 04-01 00:00: April everywhere
-- ---- February-only rows (must never show up in March) ----
('req_f01', '2026-02-10 15:00:00', 'p_feb', 'agent', NULL, 'a_feb', 'conv_f', 1000, 1000, 9.0, 'success'),         -- a_feb's only request
('req_gf1', '2026-02-15 15:00:00', 'p_arch_before', 'agent', NULL, 'a_ghost', 'conv_gf', NULL, NULL, 0.3, 'success'), -- ghost row outside March in a smaller project id
-- ---- November 2026 (current month; tests use --now 2026-11-25T12:00:00Z = NY 07:00 EST) ----
('req_n1',  '2026-11-01 03:59:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 10, NULL, 4.0, 'success'),  -- NY 10-31 23:59:59 EDT: October
('req_n2',  '2026-11-01 04:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 20, 10, 1.0, 'success'),    -- NY 11-01 00:00 EDT
('req_n3',  '2026-11-02 04:59:59', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 30, NULL, 0.5, 'success'),  -- NY 11-01 23:59:59 EST (25-hour day)
('req_n4',  '2026-11-02 05:00:00', 'p_voice', 'speech_to_text', 'whisper-1', NULL, NULL, NULL, NULL, 0.33, 'success'), -- NY 11-02 00:00 EST; 12-decimal cost and quantity
('req_n5',  '2026-11-10 15:00:00', 'p_twin_b', 'text_generation', 'gpt-y', NULL, NULL, 100, 100, 0.75, 'success'), -- Twin (b)
('req_n6',  '2026-11-10 16:00:00', 'p_twin_a', 'text_generation', 'gpt-y', NULL, NULL, 100, 100, 0.75, 'success'), -- Twin (a)
('req_n7',  '2026-11-25 11:59:59', 'p_support', 'agent', NULL, 'a_conc', 'conv_n1', NULL, NULL, 0.5, 'success'),   -- NY 11-25 06:59:59: last second before now
('req_n8',  '2026-11-25 12:00:00', 'p_support', 'text_generation', 'gpt-now', NULL, 'conv_n8', 1000, NULL, 2.0, 'success'), -- == now: excluded
('req_n9',  '2026-11-25 20:00:00', 'p_voice', 'text_generation', 'gpt-future', 'a_zed', 'conv_n9', 1000, NULL, 3.0, 'success'), -- today but after now: excluded
('req_n10', '2026-11-28 15:00:00', 'p_nov_out', 'text_generation', 'gpt-future', NULL, NULL, 1000, NULL, 8.0, 'success'), -- after now: excluded
-- ---- December 2026 (wholly after now) ----
('req_dec', '2026-12-05 15:00:00', 'p_support', 'text_generation', 'gpt-x', NULL, NULL, 1000, NULL, 16.0, 'success'); -- must not show in a Dec report with --now in Nov
"""

# Columns: item_id, request_id, created_at, project_id, agent_id, service_type, model,
#          pricing_rule, quantity, unit, unit_price, cost
ITEMS = """
INSERT INTO usage_items VALUES
-- ---- March 2026, p_support ----
('i_s01a', 'req_s01', '2026-03-01 05:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 100, 'token', 0.01, 1.0),  -- NY 03-01
('i_s01b', 'req_s01', '2026-03-01 05:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'output_tokens', 50, 'token', 0.01, 0.5),
('i_s01c', 'req_s01', '2026-03-01 05:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'cached_input_tokens', 0, 'token', 0.005, NULL), -- null cost counts 0
('i_s02a', 'req_s02', '2026-03-08 04:59:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 10, 'token', 0.025, 0.25),   -- NY 03-07
('i_s03a', 'req_s03', '2026-03-08 05:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'output_tokens', 25, 'token', 0.01, 0.25),   -- NY 03-08
('i_s04a', 'req_s04', '2026-03-09 03:59:59', 'p_support', NULL, 'embedding', 'emb-1', 'input_tokens', 1000, 'token', 0.0005, 0.5),       -- NY 03-08
('i_s05a', 'req_s05', '2026-03-09 04:00:00', 'p_support', NULL, 'embedding', 'emb-1', 'input_tokens', 2000, 'token', 0.0005, 1.0),       -- NY 03-09
('i_s06a', 'req_s06', '2026-03-31 18:30:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 200, 'token', 0.0025, 0.5),  -- NY 03-31
('i_s07a', 'req_s07', '2026-04-01 00:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 300, 'token', 0.0025, 0.75), -- NY 03-31
('i_s08a', 'req_s08', '2026-04-01 03:59:59', 'p_support', NULL, 'text_generation', 'gpt-y', 'output_tokens', 100, 'token', 0.0025, 0.25), -- NY 03-31
('i_s09a', 'req_s09', '2026-04-01 04:30:00', 'p_support', NULL, 'text_generation', 'gpt-z', 'output_tokens', 5, 'token', 1.0, 5.0),      -- NY 04-01 00:30: April, although its request is in March
('i_c01a', 'req_c01', '2026-03-10 15:00:00', 'p_support', 'a_conc', 'agent', NULL, 'agent_minutes', 2, 'minute', 0.25, 0.5),             -- NY 03-10
('i_c01b', 'req_c01', '2026-03-10 15:00:00', 'p_support', 'a_conc', 'text_generation', 'gpt-x', 'output_tokens', 100, 'token', 0.005, 0.5), -- agent's text item
('i_c02a', 'req_c02', '2026-03-11 04:30:00', 'p_support', 'a_conc', 'agent', NULL, 'agent_minutes', 4, 'minute', 0.25, 1.0),             -- NY 03-11 00:30 (request on 03-10)
('i_c03a', 'req_c03', '2026-03-11 15:00:00', 'p_support', 'a_conc', 'agent', NULL, 'agent_minutes', 4, 'minute', 0.25, 1.0),             -- NY 03-11
('i_b01a', 'req_b01', '2026-03-12 15:00:00', 'p_support', 'a_book', 'agent', NULL, 'agent_minutes', 8, 'minute', 0.25, 2.0),             -- NY 03-12
('i_l01a', 'req_l01', '2026-03-01 05:30:00', 'p_support', 'a_late', 'agent', NULL, 'agent_minutes', 3, 'minute', 0.25, 0.75),            -- NY 03-01 00:30 (request in Feb NY)
-- ---- March 2026, other projects ----
('i_v01a', 'req_v01', '2026-03-05 14:00:00', 'p_voice', 'a_voice', 'speech_to_text', 'whisper-1', 'transcription_seconds', 60, 'second', 0.01, 0.6), -- NY 03-05
('i_v01b', 'req_v01', '2026-03-05 14:00:00', 'p_voice', 'a_voice', 'text_generation', 'gpt-x', 'input_tokens', 50, 'token', 0.003, 0.15),
('i_v01c', 'req_v01', '2026-03-05 14:00:00', 'p_voice', 'a_voice', 'text_to_speech', 'tts-1', 'characters', 500, 'character', 0.001, 0.5),
('i_v01d', 'req_v01', '2026-03-05 14:00:00', 'p_voice', 'a_voice', 'agent', NULL, 'agent_minutes', 3, 'minute', 0.25, 0.75),
('i_v02a', 'req_v02', '2026-03-20 14:00:00', 'p_voice', NULL, 'speech_to_text', 'whisper-1', 'audio_duration', 120, 'second', 0.005, 0.6), -- NY 03-20; same rule,
('i_v02b', 'req_v02', '2026-03-20 14:00:00', 'p_voice', NULL, 'speech_to_text', 'whisper-1', 'audio_duration', 1.5, 'minute', 0.4, 0.6),  -- different unit: never added
('i_v04a', 'req_v04', '2026-03-06 14:00:00', 'p_voice', NULL, 'text_to_speech', 'tts-1', 'characters', 500, 'character', 0.001, 0.5),     -- NY 03-06
('i_g01a', 'req_g01', '2026-03-21 14:00:00', 'p_voice', 'a_ghost', 'agent', NULL, 'agent_minutes', 2, 'minute', 0.25, 0.5),               -- NY 03-21
('i_g02a', 'req_g02', '2026-03-22 14:00:00', 'p_docs', 'a_ghost', 'agent', NULL, 'agent_minutes', 2, 'minute', 0.25, 0.5),                -- NY 03-22
('i_q01a', 'req_q01', '2026-03-03 15:00:00', 'p_search', NULL, 'embedding', 'emb-1', 'input_tokens', 4000, 'token', 0.0005, 2.0),         -- NY 03-03
('i_z01a', 'req_z01', '2026-03-18 14:00:00', 'p_search', 'a_zed', 'agent', NULL, 'agent_minutes', 4, 'minute', 0.25, 1.0),                -- NY 03-18
('i_d01a', 'req_d01', '2026-03-25 14:00:00', 'p_docs', NULL, 'text_generation', 'gpt-y', 'input_tokens', 1000, 'token', 0.001, 1.0),      -- NY 03-25
('i_d01b', 'req_d01', '2026-03-25 14:00:00', 'p_docs', NULL, 'text_generation', 'gpt-y', 'output_tokens', 500, 'token', 0.003, 1.5),
('i_x01a', 'req_x01', '2026-03-26 14:00:00', 'p_xss', NULL, 'image_generation', 'img-1', 'images', 2, 'image', 0.5, 1.0),                 -- NY 03-26, unknown type
('i_h1a',  'req_h1',  '2026-03-27 14:00:00', 'p_xss', 'a_help1', 'agent', NULL, 'agent_minutes', 2, 'minute', 0.25, 0.5),                 -- NY 03-27
('i_h2a',  'req_h2',  '2026-03-27 15:00:00', 'p_xss', 'a_help2', 'agent', NULL, 'agent_minutes', 2, 'minute', 0.25, 0.5),                 -- NY 03-27
('i_o01a', 'req_o01', '2026-03-28 14:00:00', 'p_orphan', NULL, 'text_generation', 'gpt-x', 'input_tokens', 100, 'token', 0.005, 0.5),     -- NY 03-28
('i_o01b', 'req_o01', '2026-03-28 14:00:00', 'p_orphan', NULL, 'text_generation', 'gpt-x', 'output_tokens', 100, 'token', 0.005, 0.5),
('i_zu1a', 'req_zu1', '2026-03-29 14:00:00', 'p_zulu', NULL, 'text_generation', 'gpt-x', 'input_tokens', 10, 'token', 0.05, 0.5),         -- NY 03-29; zulu sums to
('i_zu1b', 'req_zu1', '2026-03-29 14:00:00', 'p_zulu', NULL, 'text_generation', 'gpt-x', 'output_tokens', 20, 'token', 0.025, 0.5),       -- 1.0000000000001, which
('i_zu1c', 'req_zu1', '2026-03-29 14:00:00', 'p_zulu', NULL, 'text_generation', 'gpt-x', 'cached_input_tokens', 70, 'token', 0.0, 1e-13),  -- rounds to 1.0
('i_zr1a', 'req_zr1', '2026-03-30 14:00:00', 'p_zero', NULL, 'text_generation', 'gpt-x', 'input_tokens', 50, 'token', 0.01, 0.5),         -- NY 03-30
('i_zr1b', 'req_zr1', '2026-03-30 14:00:00', 'p_zero', NULL, 'text_generation', 'gpt-x', 'credit', 1, 'credit', -0.5, -0.5),              -- credit: 0 total
('i_n01a', 'req_n01', '2026-03-30 15:00:00', 'p_neg', NULL, 'text_generation', 'gpt-x', 'refund', 1, 'credit', -0.75, -0.75),             -- NY 03-30
('i_rf1a', 'req_rf1', '2026-03-30 16:00:00', 'p_neg', 'a_refund', 'agent', NULL, 'refund', 1, 'credit', -0.25, -0.25),                    -- NY 03-30
('i_t01a', 'req_t01', '2026-03-30 17:00:00', 'p_tiny', NULL, 'text_generation', NULL, 'rounding', 1, 'credit', -1e-14, -1e-14),           -- NY 03-30, -0.0 after rounding
-- ---- month-boundary items (same instant as their requests) ----
('i_e02a', 'req_e02', '2026-02-28 18:29:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.04, 0.04),
('i_e01a', 'req_e01', '2026-02-28 18:30:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.08, 0.08),
('i_e06a', 'req_e06', '2026-02-28 23:59:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.01, 0.01),
('i_e05a', 'req_e05', '2026-03-01 00:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.02, 0.02),
('i_e03a', 'req_e03', '2026-03-01 04:59:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.16, 0.16),
('i_e07a', 'req_e07', '2026-03-31 18:29:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.32, 0.32),
('i_e08a', 'req_e08', '2026-03-31 23:59:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 0.64, 0.64),
('i_e04a', 'req_e04', '2026-04-01 04:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1, 'token', 1.28, 1.28),
-- ---- February-only items ----
('i_f01a', 'req_f01', '2026-02-10 15:00:00', 'p_feb', 'a_feb', 'agent', NULL, 'agent_minutes', 36, 'minute', 0.25, 9.0),
('i_gf1a', 'req_gf1', '2026-02-15 15:00:00', 'p_arch_before', 'a_ghost', 'agent', NULL, 'agent_minutes', 1.2, 'minute', 0.25, 0.3),
-- ---- November 2026 ----
('i_n1a',  'req_n1',  '2026-11-01 03:59:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 10, 'token', 0.4, 4.0),     -- October (NY)
('i_n2a',  'req_n2',  '2026-11-01 04:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 20, 'token', 0.05, 1.0),    -- NY 11-01
('i_n3a',  'req_n3',  '2026-11-02 04:59:59', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 30, 'token', 0.0166666667, 0.5), -- NY 11-01 (EST)
('i_n4a',  'req_n4',  '2026-11-02 05:00:00', 'p_voice', NULL, 'speech_to_text', 'whisper-1', 'transcription_seconds', 30.123456789012, 'second', 0.011, 0.333333333333), -- NY 11-02
('i_n5a',  'req_n5',  '2026-11-10 15:00:00', 'p_twin_b', NULL, 'text_generation', 'gpt-y', 'output_tokens', 100, 'token', 0.0075, 0.75),
('i_n6a',  'req_n6',  '2026-11-10 16:00:00', 'p_twin_a', NULL, 'text_generation', 'gpt-y', 'output_tokens', 100, 'token', 0.0075, 0.75),
('i_n7a',  'req_n7',  '2026-11-25 11:59:59', 'p_support', 'a_conc', 'agent', NULL, 'agent_minutes', 2, 'minute', 0.25, 0.5),            -- NY 11-25 06:59:59
('i_n8a',  'req_n8',  '2026-11-25 12:00:00', 'p_support', NULL, 'text_generation', 'gpt-now', 'input_tokens', 1000, 'token', 0.002, 2.0), -- == now: excluded
('i_n9a',  'req_n9',  '2026-11-25 20:00:00', 'p_voice', 'a_zed', 'image_generation', 'gpt-future', 'images', 6, 'image', 0.5, 3.0),   -- after now: excluded
('i_n10a', 'req_n10', '2026-11-28 15:00:00', 'p_nov_out', NULL, 'text_generation', 'gpt-future', 'input_tokens', 1000, 'token', 0.008, 8.0), -- after now: excluded
-- ---- December 2026 ----
('i_deca', 'req_dec', '2026-12-05 15:00:00', 'p_support', NULL, 'text_generation', 'gpt-x', 'input_tokens', 1000, 'token', 0.016, 16.0);
"""


def build_edge_warehouse(path) -> None:
    """Write the edge-case warehouse to the DuckDB file ``path`` (which must not exist)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        con.execute(PROJECTS)
        con.execute(AGENTS)
        con.execute(REQUESTS)
        con.execute(ITEMS)
    finally:
        con.close()
