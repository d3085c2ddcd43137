"""`org-analytics import anthropic`: Anthropic Admin API usage and cost reports -> a Parquet warehouse.

The expected reports below are computed by hand from the sample files
(data_connectors/adapters/samples/anthropic/), not through the importer:

* usage (tokens; one request row per bucket, workspace and model, tiers merged):
  Oct 10: Support bot sonnet standard 1000 uncached + 4000 read + 500 write-5m + 800 out = 6300,
  batch 2000 + 1000 out = 3000 (same row); default workspace haiku 3000 + 1000 write-1h + 500 out
  = 4500. Oct 31: Research sonnet 10000 + 2000 = 12000. Nov 1: Research sonnet 4000 + 1000 read +
  1000 out = 6000. Nov 20: Support bot haiku 500 + 100 = 600.
* costs (cents in the report, dollars here): Oct 10 Support bot 0.3 + 0.3 + 1.2 + 0.75 + 0.12 +
  0.1875 tokens + 2.0 web search = 4.8575 c = $0.048575; default 0.3 + 0.2 + 0.25 = 0.75 c;
  Oct 31 Research 3.0 + 3.0 = 6 c; Nov 1 Research 1.2 + 0.03 + 1.5 = 2.73 c; Nov 20 Support bot
  0.05 + 0.05 tokens + 5.0 code execution = 5.1 c.
* In New York (UTC-4 until Nov 1 02:00) a UTC-midnight bucket falls on the day before: Nov 1 goes
  to October 31, Nov 20 to Nov 19.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from reports import assert_same_report
from test_cli_errors import assert_clean_error
from test_connectors import SCHEMA

SAMPLES = Path(__file__).resolve().parent.parent / "data_connectors" / "adapters" / "samples" / "anthropic"
NOW = "2026-11-25T12:00:00Z"
A, B, D = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", "wrkspc_01Kq8Tn3VbR5mWc2XyZaP7Ld", "default"
NAMES = {A: "Support bot", B: "Research", D: "Default workspace"}

EXPECTED = {
    ("2026-10", "UTC"): {
        "kpis": {
            "total_requests": 3,
            "total_tokens": 25800,
            "unique_models": 2,
            "active_projects": 3,
            "total_projects": 3,
            "total_conversations": 0,
            "total_cost": 0.116075,
            "failed_requests": 0,  # the usage report counts no failures
            "error_rate": 0.0,  # none of its requests failed
        },
        "services": [("text_generation", 0.096075), ("web_search", 0.02)],
        "projects": [(B, 0.06), (A, 0.048575), (D, 0.0075)],
        "daily": [
            ("2026-10-10", "text_generation", 0.036075),
            ("2026-10-10", "web_search", 0.02),
            ("2026-10-31", "text_generation", 0.06),
        ],
    },
    ("2026-10", "America/New_York"): {
        "kpis": {
            "total_requests": 4,
            "total_tokens": 31800,
            "unique_models": 2,
            "active_projects": 3,
            "total_projects": 3,
            "total_conversations": 0,
            "total_cost": 0.143375,
            "failed_requests": 0,  # the usage report counts no failures
            "error_rate": 0.0,  # none of its requests failed
        },
        "services": [("text_generation", 0.123375), ("web_search", 0.02)],
        "projects": [(B, 0.0873), (A, 0.048575), (D, 0.0075)],
        "daily": [
            ("2026-10-09", "text_generation", 0.036075),
            ("2026-10-09", "web_search", 0.02),
            ("2026-10-30", "text_generation", 0.06),
            ("2026-10-31", "text_generation", 0.0273),
        ],
    },
    ("2026-11", "UTC"): {
        "kpis": {
            "total_requests": 2,
            "total_tokens": 6600,
            "unique_models": 2,
            "active_projects": 2,
            "total_projects": 3,
            "total_conversations": 0,
            "total_cost": 0.0783,
            "failed_requests": 0,  # the usage report counts no failures
            "error_rate": 0.0,  # none of its requests failed
        },
        "services": [("code_execution", 0.05), ("text_generation", 0.0283)],
        "projects": [(A, 0.051), (B, 0.0273)],
        "daily": [
            ("2026-11-01", "text_generation", 0.0273),
            ("2026-11-20", "code_execution", 0.05),
            ("2026-11-20", "text_generation", 0.001),
        ],
    },
    ("2026-11", "America/New_York"): {
        "kpis": {
            "total_requests": 1,
            "total_tokens": 600,
            "unique_models": 1,
            "active_projects": 1,
            "total_projects": 3,
            "total_conversations": 0,
            "total_cost": 0.051,
            "failed_requests": 0,  # the usage report counts no failures
            "error_rate": 0.0,  # none of its requests failed
        },
        "services": [("code_execution", 0.05), ("text_generation", 0.001)],
        "projects": [(A, 0.051)],
        "daily": [("2026-11-19", "code_execution", 0.05), ("2026-11-19", "text_generation", 0.001)],
    },
}


def rounded(rows: list[tuple]) -> list[tuple]:
    """Money to 9 decimals: the report's sums of floats may differ from the hand sums in the 10th."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def sample_files() -> list[str]:
    return sorted(str(p) for p in SAMPLES.glob("*.json"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    from org_analytics_widgets.cli import main

    out = tmp_path_factory.mktemp("anthropic") / "warehouse"
    assert main(["import", "anthropic", *sample_files(), "--out", str(out)]) == 0
    return out


def report(run_cli, out: Path, month: str, zone: str = "UTC") -> dict:
    code, stdout, stderr = run_cli(
        ["report", "--warehouse", f"parquet://{out}", "--month", month, "--timezone", zone, "--now", NOW]
    )
    assert code == 0, stderr
    return json.loads(stdout)


def test_import_writes_the_four_canonical_tables(run_cli, tmp_path):
    out = tmp_path / "new" / "warehouse"
    code, stdout, stderr = run_cli(["import", "anthropic", *sample_files(), "--out", str(out)])
    assert code == 0, stderr
    assert stdout == "" and "Traceback" not in stderr
    assert f"wrote {out}: 3 projects, 0 agents, 5 usage_requests, 16 usage_items; costs in USD" in stderr
    assert "default workspace" in stderr and "counts no requests" in stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in SCHEMA)
    con = duckdb.connect()
    for table, columns in SCHEMA.items():
        described = con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($f))",
            {"f": str(out / f"{table}.parquet")},
        ).fetchall()
        assert ", ".join(f"{name} {kind}" for name, kind in described) == columns


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_report_is_the_hand_computed_report(run_cli, imported, month, zone):
    want, got = EXPECTED[(month, zone)], report(run_cli, imported, month, zone)
    assert got["kpis"] == pytest.approx(want["kpis"], abs=1e-9)
    assert rounded([(r["service_type"], r["cost"]) for r in got["cost_by_service_type"]]) == want["services"]
    slices = got["cost_by_project"]["slices"]
    assert rounded([(s["project_id"], s["cost"]) for s in slices]) == want["projects"]
    assert [s["name"] for s in slices] == [NAMES[p] for p, _ in want["projects"]]
    daily = [(r["date"], r["service_type"], r["cost"]) for r in got["daily_cost_by_service_type"] if r["cost"]]
    assert rounded(daily) == want["daily"]
    assert got["top_agents"] == []


def test_tokens_and_costs_land_on_their_pricing_rules(imported):
    """October 10, Support bot, sonnet: the standard and batch tiers are one line per rule; each
    line's items add up to its cost; the web search is a charge of no request."""
    rows = duckdb.execute(
        """SELECT service_type, model, pricing_rule, sum(quantity), round(sum(cost) * 100, 8),
                  count(request_id)
           FROM read_parquet($f) WHERE project_id = $p AND created_at < '2026-10-11'
           GROUP BY ALL ORDER BY ALL""",
        {"f": str(imported / "usage_items.parquet"), "p": A},
    ).fetchall()
    sonnet = "claude-sonnet-4-5-20250929"
    assert rows == [
        ("text_generation", sonnet, "cache_write_tokens", 500.0, 0.1875, 1),
        ("text_generation", sonnet, "cached_input_tokens", 4000.0, 0.12, 1),
        ("text_generation", sonnet, "input_tokens", 3000.0, 0.6, 1),
        ("text_generation", sonnet, "output_tokens", 1800.0, 1.95, 1),
        ("web_search", None, "tool_calls", 0.0, 2.0, 0),
    ]


def test_import_again_gives_the_same_stable_ids(run_cli, imported, tmp_path):
    out = tmp_path / "again"
    assert run_cli(["import", "anthropic", *sample_files(), "--out", str(out)])[0] == 0
    assert run_cli(["import", "anthropic", *sample_files(), "--out", str(out), "--force"])[0] == 0
    for table, key in (("usage_requests", "request_id"), ("usage_items", "item_id")):
        query = f"SELECT {key}, cost FROM read_parquet($f) ORDER BY {key}"
        ids = [duckdb.execute(query, {"f": str(folder / f"{table}.parquet")}).fetchall() for folder in (imported, out)]
        assert ids[0] == ids[1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"


def test_a_report_without_workspaces_list_names_workspaces_by_id(run_cli, tmp_path):
    files = [f for f in sample_files() if "workspaces" not in f]
    out = tmp_path / "w"
    assert run_cli(["import", "anthropic", *files, "--out", str(out)])[0] == 0
    got = report(run_cli, out, "2026-10")
    assert {s["project_id"]: s["name"] for s in got["cost_by_project"]["slices"]} == {A: A, B: B, D: NAMES[D]}
    assert got["kpis"]["total_projects"] == 3


def write_json(path: Path, value) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def test_costs_not_grouped_by_description_are_other(run_cli, tmp_path):
    page = {
        "data": [
            {
                "starting_at": "2026-10-05T00:00:00Z",
                "ending_at": "2026-10-06T00:00:00Z",
                "results": [
                    {
                        "currency": "USD",
                        "amount": "1234.5",
                        "workspace_id": None,
                        "description": None,
                        "cost_type": None,
                        "context_window": None,
                        "model": None,
                        "service_tier": None,
                        "token_type": None,
                    }
                ],
            }
        ],
        "has_more": False,
        "next_page": None,
    }
    out = tmp_path / "w"
    code, _, stderr = run_cli(["import", "anthropic", write_json(tmp_path / "c.json", page), "--out", str(out)])
    assert code == 0, stderr
    assert "group_by[]=description" in stderr
    got = report(run_cli, out, "2026-10")
    assert got["cost_by_service_type"] == [{"service_type": "other", "cost": 12.345}]
    assert got["kpis"]["total_requests"] == 0


@pytest.mark.parametrize(
    "content, needles",
    [
        ("", ["empty", "Anthropic"]),
        ('{"object": "page", "data": []}', ["Anthropic"]),
        ('{"data": [{"starting_at": "yesterday", "results": []}]}', ["starting_at", "RFC 3339"]),
        ('{"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": [{"amount": "x"}]}]}', ["amount", "cents"]),
        ('{"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": [{"foo": 1}]}]}', ["neither usage"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_cli, tmp_path, content, needles):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert_clean_error(run_cli(["import", "anthropic", str(path), "--out", str(tmp_path / "w")]), *needles)


def test_the_same_report_twice_is_refused(run_cli, tmp_path):
    usage = str(SAMPLES / "usage_messages_page1.json")
    copy = tmp_path / "copy.json"
    copy.write_text(Path(usage).read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli(["import", "anthropic", usage, str(copy), "--out", str(tmp_path / "w")])
    assert_clean_error(result, "pass each report once")
    assert not (tmp_path / "w").exists()


def test_costs_in_another_currency_are_refused(run_cli, tmp_path):
    """The warehouse holds US dollars (the canonical tables carry no currency): a report in euros
    would be shown with a $, so it is refused, in words."""
    cost = {**token_cost("123.45", "input_tokens", "claude-sonnet-4-5"), "currency": "EUR"}
    path = write_json(tmp_path / "eur.json", pages([("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", [cost])]))
    result = run_cli(["import", "anthropic", path, "--out", str(tmp_path / "w")])
    assert_clean_error(result, "eur.json", "costs in EUR", "convert", "USD")
    assert not (tmp_path / "w").exists()


def usage_result(uncached: int, output: int, workspace=None, model=None) -> dict:
    return {
        "uncached_input_tokens": uncached,
        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        "cache_read_input_tokens": 0,
        "output_tokens": output,
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": None,
        "workspace_id": workspace,
        "model": model,
        "service_tier": None,
        "context_window": None,
    }


def token_cost(amount: str, token_type: str, model: str, workspace=None) -> dict:
    return {
        "currency": "USD",
        "amount": amount,
        "workspace_id": workspace,
        "description": "Claude Sonnet 4.5 Usage - Input Tokens",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": model,
        "service_tier": "standard",
        "token_type": token_type,
    }


def pages(buckets: list[tuple[str, str, list[dict]]]) -> dict:
    data = [{"starting_at": s, "ending_at": e, "results": r} for s, e, r in buckets]
    return {"data": data, "has_more": False, "next_page": None}


def test_hourly_usage_takes_the_daily_cost_in_proportion(run_cli, tmp_path):
    """Usage in 1h buckets, costs in 1d buckets (the only width of the cost report): the day's cost
    of a rule is spread over that day's hours by tokens; hours are placed on their own local day."""
    sonnet = "claude-sonnet-4-5-20250929"
    usage = pages(
        [
            ("2026-10-05T02:00:00Z", "2026-10-05T03:00:00Z", [usage_result(1000, 100, model=sonnet)]),
            ("2026-10-05T20:00:00Z", "2026-10-05T21:00:00Z", [usage_result(3000, 300, model=sonnet)]),
        ]
    )
    costs = pages(
        [
            (
                "2026-10-05T00:00:00Z",
                "2026-10-06T00:00:00Z",
                [token_cost("1.2", "uncached_input_tokens", sonnet), token_cost("0.6", "output_tokens", sonnet)],
            )
        ]
    )
    out = tmp_path / "w"
    files = [write_json(tmp_path / "u.json", usage), write_json(tmp_path / "c.json", costs)]
    assert run_cli(["import", "anthropic", *files, "--out", str(out)])[0] == 0
    got = report(run_cli, out, "2026-10", "Asia/Tokyo")  # UTC+9: 02:00 is Oct 5, 20:00 is Oct 6
    assert got["kpis"]["total_requests"] == 2 and got["kpis"]["total_tokens"] == 4400
    daily = [(r["date"], r["cost"]) for r in got["daily_cost_by_service_type"] if r["cost"]]
    # 1.2 c over 4000 input tokens, 0.6 c over 400 output tokens: a quarter, then three quarters
    assert rounded(daily) == [("2026-10-05", 0.0045), ("2026-10-06", 0.0135)]


def test_a_usage_report_not_grouped_by_model_still_takes_the_token_costs(run_cli, tmp_path):
    usage = pages([("2026-10-05T00:00:00Z", "2026-10-06T00:00:00Z", [usage_result(1000, 100, workspace=A)])])
    costs = pages(
        [
            (
                "2026-10-05T00:00:00Z",
                "2026-10-06T00:00:00Z",
                [token_cost("0.3", "uncached_input_tokens", "claude-sonnet-4-5-20250929", workspace=A)],
            )
        ]
    )
    out = tmp_path / "w"
    files = [write_json(tmp_path / "u.json", usage), write_json(tmp_path / "c.json", costs)]
    assert run_cli(["import", "anthropic", *files, "--out", str(out)])[0] == 0
    rows = duckdb.execute(
        "SELECT pricing_rule, quantity, cost, request_id IS NULL FROM read_parquet($f) ORDER BY ALL",
        {"f": str(out / "usage_items.parquet")},
    ).fetchall()
    assert rows == [("input_tokens", 1000.0, pytest.approx(0.003), False), ("output_tokens", 100.0, 0.0, False)]


def test_rollups_of_the_import_give_its_report(run_cli, imported, tmp_path):
    """The import has items of no request (web search, code execution): rollups must not count them."""
    rollups = tmp_path / "rollups.duckdb"
    code, _, stderr = run_cli(["rollup", "--warehouse", f"parquet://{imported}", "--out", str(rollups)])
    assert code == 0, stderr
    for month, zone in EXPECTED:
        argv = ["report", "--warehouse", f"parquet://{imported}", "--rollups", str(rollups), "--month", month]
        code, stdout, stderr = run_cli([*argv, "--timezone", zone, "--now", NOW])
        assert code == 0, stderr
        assert_same_report(json.loads(stdout), report(run_cli, imported, month, zone))


def test_dashboard_builds_on_the_import(run_cli, imported):
    from data_connectors import connect
    from org_analytics_widgets.pages.organization import Dashboard

    wh = connect(f"parquet://{imported}")
    try:
        d = Dashboard(wh, timezone="UTC", month="2026-10", now=NOW)
        assert d.state.status == "ready"
        assert dict(d.kpis.values) == report(run_cli, imported, "2026-10")["kpis"]
        assert set(d.project_costs.slices["name"]) == set(NAMES.values())
    finally:
        wh.close()


def test_flattened_cache_creation_fields_are_read_too(run_cli, tmp_path):
    """The reference nests them (cache_creation.ephemeral_5m_input_tokens); a derived schema
    flattens them (cache_creation_5m_input_tokens): either way they are tokens."""
    result = usage_result(1000, 100, workspace=A, model="claude-haiku-4-5-20251001")
    del result["cache_creation"]
    result.update(cache_creation_5m_input_tokens=200, cache_creation_1h_input_tokens=30)
    usage = pages([("2026-10-05T00:00:00Z", "2026-10-06T00:00:00Z", [result])])
    out = tmp_path / "w"
    assert run_cli(["import", "anthropic", write_json(tmp_path / "u.json", usage), "--out", str(out)])[0] == 0
    assert report(run_cli, out, "2026-10")["kpis"]["total_tokens"] == 1330


def _rows(folder: Path, table: str) -> list[tuple]:
    """A table's rows in file order (the import writes them in created_at order)."""
    return duckdb.execute("SELECT * FROM read_parquet($f)", {"f": str(folder / f"{table}.parquet")}).fetchall()


def busy_reports(folder: Path) -> list[str]:
    """Three days of hourly usage (5 workspaces and the default one, 3 models, a batch tier on some
    hours) and their daily token costs, web searches and a day without usage: 400-odd groups."""
    models = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "Claude-Opus-4-1")
    usage, costs = [], []
    for day in range(3):
        spent: dict[tuple, int] = {}
        for hour in range(24):
            results = []
            for w, workspace in enumerate([None, *(f"wrkspc_{n}" for n in range(5))]):
                for m, model in enumerate(models):
                    if (day + hour + w + m) % 4 == 0:
                        continue
                    tiers = ("standard", "batch") if (hour + w) % 5 == 0 else ("standard",)
                    for tier in tiers:
                        result = usage_result(100 * (hour + 1) + w, 10 * (m + 1), workspace, model)
                        result["service_tier"] = tier
                        result["cache_read_input_tokens"] = 7 * hour
                        results.append(result)
                        for token_type, n in (("uncached_input_tokens", 100 * (hour + 1) + w),
                                              ("cache_read_input_tokens", 7 * hour),
                                              ("output_tokens", 10 * (m + 1))):  # fmt: skip
                            key = (workspace, model, tier, token_type)
                            spent[key] = spent.get(key, 0) + n
            usage.append(
                (f"2026-10-{day + 1:02d}T{hour:02d}:00:00Z", f"2026-10-{day + 1:02d}T{hour:02d}:59:59Z", results)
            )
        day_costs = []
        for (workspace, model, tier, token_type), n in spent.items():
            cost = token_cost(f"{n * 0.0003:.6f}", token_type, model.lower(), workspace)  # costs spell models lower
            cost.update(service_tier=tier, description=f"{model} {tier} {token_type}")
            day_costs.append(cost)
        day_costs.append({**token_cost("250", "", None), "cost_type": "web_search", "description": "Web search"})
        costs.append((f"2026-10-{day + 1:02d}T00:00:00Z", f"2026-10-{day + 2:02d}T00:00:00Z", day_costs))
    costs.append(("2026-10-20T00:00:00Z", "2026-10-21T00:00:00Z", [token_cost("99", "output_tokens", models[0])]))
    return [write_json(folder / "usage.json", pages(usage)), write_json(folder / "costs.json", pages(costs))]


@pytest.mark.parametrize("source", ["samples", "busy"])
def test_read_and_written_in_small_pieces_gives_the_all_at_once_warehouse(run_cli, tmp_path, monkeypatch, source):
    """Memory is bounded by reading a few results at a time into the work database and writing a few
    requests at a time: here 3 results and 2 requests, far fewer than the reports hold, against the
    defaults (every result and request of these reports in one piece). The same rows, in
    created_at order, and the same report in two zones."""
    from data_connectors.adapters import anthropic_usage, openai_usage

    files = sample_files() if source == "samples" else busy_reports(tmp_path)
    whole, pieces = tmp_path / "whole", tmp_path / "pieces"
    anthropic_usage.import_anthropic(files, whole)
    results = sum(len(b.get("results", [])) for f in files for b in json.loads(Path(f).read_text())["data"])
    requests = len(_rows(whole, "usage_requests"))
    assert results < anthropic_usage.READ_BATCH and requests < openai_usage.CHUNK_REQUESTS, "the defaults: one piece"
    assert requests > 100 or source == "samples"
    monkeypatch.setattr(anthropic_usage, "READ_BATCH", 3)
    monkeypatch.setattr(openai_usage, "CHUNK_REQUESTS", 2)
    anthropic_usage.import_anthropic(files, pieces)
    for table, time in (("projects", None), ("usage_requests", 1), ("usage_items", 2)):
        rows = _rows(pieces, table)
        assert sorted(rows, key=str) == sorted(_rows(whole, table), key=str), table
        if time is not None:
            assert [row[time] for row in rows] == sorted(row[time] for row in rows), f"{table} in created_at order"
    assert len(pq.ParquetFile(pieces / "usage_items.parquet").metadata.to_dict()["row_groups"]) > 1, "in pieces"
    for zone in ("UTC", "America/New_York"):
        assert_same_report(report(run_cli, pieces, "2026-10", zone), report(run_cli, whole, "2026-10", zone))
    if source == "samples":
        assert report(run_cli, pieces, "2026-10")["kpis"] == pytest.approx(EXPECTED[("2026-10", "UTC")]["kpis"])


def test_a_result_given_twice_is_found_across_pieces(run_cli, tmp_path, monkeypatch):
    from data_connectors.adapters import anthropic_usage

    monkeypatch.setattr(anthropic_usage, "READ_BATCH", 2)
    usage = str(SAMPLES / "usage_messages_page1.json")
    copy = tmp_path / "copy.json"
    copy.write_text(Path(usage).read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli(
        ["import", "anthropic", usage, str(SAMPLES / "cost_report.json"), str(copy), "--out", str(tmp_path / "w")]
    )
    assert_clean_error(result, f"{copy}: bucket 2026-10-10 00:00 UTC: the same usage result is also in {usage}")
    assert not (tmp_path / "w").exists()
