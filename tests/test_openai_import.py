"""`org-analytics import openai`: OpenAI Usage/Costs API exports -> a Parquet warehouse.

Every number is checked against a reference computed here, straight from the sample JSON files
(data_connectors/adapters/samples/openai/), not through the importer: requests are the sum of
num_model_requests, tokens of input + output tokens, costs of the Costs API's amount.value."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from conftest import report_runner
from reports import assert_same_report
from test_cli_errors import assert_clean_error
from test_connectors import SCHEMA

from data_connectors import connect
from data_connectors.adapters.openai_usage import classify_line_item

SAMPLES = Path(__file__).resolve().parent.parent / "data_connectors" / "adapters" / "samples" / "openai"
NOW = "2026-11-25T12:00:00Z"
UTC = dt.UTC
SERVICE = {
    "organization.usage.completions.result": "text_generation",
    "organization.usage.embeddings.result": "embedding",
    "organization.usage.audio_transcriptions.result": "speech_to_text",
    "organization.usage.audio_speeches.result": "text_to_speech",
}
MONTHS = {
    "2026-10": (dt.datetime(2026, 10, 1, tzinfo=UTC), dt.datetime(2026, 11, 1, tzinfo=UTC)),
    "2026-11": (dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 11, 25, 12, tzinfo=UTC)),
}


def sample_files() -> list[str]:
    return sorted(str(p) for p in SAMPLES.glob("*.json*"))  # not line_items/ nor SOURCES.md


def documents(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    doc = json.loads(text)
    return doc if isinstance(doc, list) else [doc]


def bounds(month: str, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The month in ``zone`` as UTC instants (the current month ends at NOW)."""
    from zoneinfo import ZoneInfo

    year, number = map(int, month.split("-"))
    tz = ZoneInfo(zone)
    start = dt.datetime(year, number, 1, tzinfo=tz)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    now = dt.datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    return start.astimezone(UTC), min(end, now).astimezone(UTC)


def reference(month: str, zone: str = "UTC") -> dict:
    """The month's numbers, from the JSON files alone."""
    start, end = bounds(month, zone)
    ref = {
        "requests": 0,
        "tokens": 0,
        "cost": 0.0,
        "cost_by_project": Counter(),
        "active": set(),
        "daily_requests": defaultdict(Counter),
        "seconds": Counter(),
        "characters": Counter(),
    }
    for path in map(Path, sample_files()):
        for page in (d for d in documents(path) if d["object"] == "page"):
            for bucket in page["data"]:
                when = dt.datetime.fromtimestamp(bucket["start_time"], UTC)
                if not start <= when < end:
                    continue
                day = when.date().isoformat()
                for r in bucket["results"]:
                    if r["object"] == "organization.costs.result":
                        ref["cost"] += r["amount"]["value"]
                        ref["cost_by_project"][r["project_id"]] += r["amount"]["value"]
                        continue
                    ref["requests"] += r["num_model_requests"]
                    ref["tokens"] += r.get("input_tokens", 0) + r.get("output_tokens", 0)
                    ref["active"].add(r["project_id"])
                    ref["daily_requests"][SERVICE[r["object"]]][day] += r["num_model_requests"]
                    ref["seconds"][day] += r.get("seconds", 0)
                    ref["characters"][day] += r.get("characters", 0)
    return ref


def project_names() -> dict[str, str]:
    return {p["id"]: p["name"] for p in json.loads((SAMPLES / "projects.json").read_text(encoding="utf-8"))["data"]}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """The samples imported once for the module's read-only checks."""
    from org_analytics_widgets.cli import main

    out = tmp_path_factory.mktemp("openai") / "warehouse"
    assert main(["import", "openai", *sample_files(), "--out", str(out)]) == 0
    return out


def report(run_cli, out: Path, month: str, zone: str = "UTC") -> dict:
    code, stdout, stderr = run_cli(
        ["report", "--warehouse", f"parquet://{out}", "--month", month, "--timezone", zone, "--now", NOW]
    )
    assert code == 0, stderr
    return json.loads(stdout)


def test_import_writes_the_four_canonical_tables(run_cli, tmp_path):
    out = tmp_path / "new" / "warehouse"
    code, stdout, stderr = run_cli(["import", "openai", *sample_files(), "--out", str(out)])
    assert code == 0, stderr
    assert stdout == "" and "Traceback" not in stderr
    assert f"wrote {out}" in stderr and "costs in USD" in stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in SCHEMA)
    con = duckdb.connect()
    for table, columns in SCHEMA.items():
        described = con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($f))",
            {"f": str(out / f"{table}.parquet")},
        ).fetchall()
        assert ", ".join(f"{name} {kind}" for name, kind in described) == columns
    assert con.execute("SELECT count(*) FROM read_parquet($f)", {"f": str(out / "agents.parquet")}).fetchone() == (0,)
    wh = connect(f"parquet://{out}")
    assert wh.usage_requests.count().execute() == reference("2026-10")["requests"] + reference("2026-11")["requests"]
    wh.close()


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("month", MONTHS)
def test_report_numbers_are_the_exports_numbers(run_cli, imported, month, zone):
    """In New York each UTC-midnight bucket falls on the day before: Oct 1 goes to September,
    Nov 1 to October."""
    ref, got = reference(month, zone), report(run_cli, imported, month, zone)
    kpis = got["kpis"]
    assert kpis["total_requests"] == ref["requests"]
    assert kpis["total_tokens"] == ref["tokens"]
    assert kpis["total_cost"] == pytest.approx(ref["cost"], abs=1e-8)
    assert kpis["active_projects"] == len(ref["active"]) == 3
    assert kpis["total_projects"] == 3  # the archived "Old prototype" ended before October
    assert kpis["total_conversations"] == 0
    slices = got["cost_by_project"]["slices"]
    assert {s["project_id"]: s["cost"] for s in slices} == pytest.approx(dict(ref["cost_by_project"]), abs=1e-8)
    assert {s["project_id"]: s["name"] for s in slices} == {p: project_names()[p] for p in ref["cost_by_project"]}
    assert sum(row["cost"] for row in got["cost_by_service_type"]) == pytest.approx(ref["cost"], abs=1e-8)
    assert got["top_agents"] == []


def test_service_type_cards_count_the_api_requests_and_quantities(run_cli, imported):
    """Each synthetic request has its items, so a card's daily requests are num_model_requests."""
    ref, got = reference("2026-10"), report(run_cli, imported, "2026-10")
    cards = {card["service_type"]: card for card in got["service_types"]}
    for service, daily in ref["daily_requests"].items():
        shown = {row["date"]: row["requests"] for row in cards[service]["daily_requests"] if row["requests"]}
        assert shown == {day: n for day, n in daily.items() if n}, service
    usage = cards["speech_to_text"]["daily_usage"]
    assert {r["date"]: r["quantity"] for r in usage if r["quantity"]} == {d: s for d, s in ref["seconds"].items() if s}
    assert {r["unit"] for r in usage} == {"second"}
    usage = cards["text_to_speech"]["daily_usage"]
    assert {r["date"]: r["quantity"] for r in usage if r["quantity"]} == {
        d: c for d, c in ref["characters"].items() if c
    }
    # the images and tool calls: billed, no usage behind them in these exports, each its own type
    for service in ("image_generation", "web_search"):
        card = cards[service]
        assert card["cost"] > 0 and all(row["requests"] == 0 for row in card["daily_requests"]), service
    assert "other" not in cards


def test_dashboard_builds_on_the_import(run_cli, imported):
    from org_analytics_widgets.pages.organization import Dashboard

    wh = connect(f"parquet://{imported}")
    try:
        d = Dashboard(wh, timezone="UTC", month="2026-10", now=NOW)
        assert d.state.status == "ready"
        assert dict(d.kpis.values) == report(run_cli, imported, "2026-10")["kpis"]
        assert project_names()["proj_Lw5tR9eKa2XbM8vH"] in list(d.project_costs.slices["name"])
    finally:
        wh.close()


def test_rollups_of_the_import_give_its_report(run_cli, imported, tmp_path):
    """The import has items of no request (costs without usage): rollups must not count them."""
    rollups = tmp_path / "rollups.duckdb"
    code, _, stderr = run_cli(["rollup", "--warehouse", f"parquet://{imported}", "--out", str(rollups)])
    assert code == 0, stderr
    for month in MONTHS:
        code, stdout, stderr = run_cli(
            [
                "report",
                "--warehouse",
                f"parquet://{imported}",
                "--rollups",
                str(rollups),
                "--month",
                month,
                "--timezone",
                "Asia/Kolkata",
                "--now",
                NOW,
            ]
        )
        assert code == 0, stderr
        raw = report_runner(run_cli, f"parquet://{imported}")(month=month, timezone="Asia/Kolkata", now=NOW)
        assert_same_report(json.loads(stdout), raw)


def test_force_replaces_an_earlier_import_with_the_same_stable_ids(run_cli, imported, tmp_path):
    out = tmp_path / "again"
    assert run_cli(["import", "openai", *sample_files(), "--out", str(out)])[0] == 0
    assert run_cli(["import", "openai", *sample_files(), "--out", str(out), "--force"])[0] == 0
    query = "SELECT request_id, cost FROM read_parquet($f) ORDER BY request_id"
    ids = [
        duckdb.execute(query, {"f": str(folder / "usage_requests.parquet")}).fetchall() for folder in (imported, out)
    ]
    assert ids[0] == ids[1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"


def write_json(path: Path, value) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def bucket(start: str, results: list[dict]) -> dict:
    t = int(dt.datetime.fromisoformat(start).replace(tzinfo=UTC).timestamp())
    return {"object": "bucket", "start_time": t, "end_time": t + 86_400, "results": results}


def page(*buckets, has_more=False) -> dict:
    return {"object": "page", "data": list(buckets), "has_more": has_more, "next_page": "page_x" if has_more else None}


def completions(n: int, inputs: int, outputs: int, project=None, model=None) -> dict:
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": inputs,
        "output_tokens": outputs,
        "input_cached_tokens": 0,
        "num_model_requests": n,
        "project_id": project,
        "user_id": None,
        "api_key_id": None,
        "model": model,
        "batch": None,
    }


def cost(value, line_item=None, project=None, currency="usd") -> dict:
    return {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": currency},
        "line_item": line_item,
        "project_id": project,
    }


def test_ungrouped_exports_go_to_the_unassigned_project(run_cli, tmp_path):
    """Not grouped by project: 'unassigned'. Usage with no cost line costs 0; a cost line with no
    usage is an item of quantity 0 without a request; the totals stay the exports' totals."""
    usage = write_json(
        tmp_path / "usage.json",
        page(bucket("2026-10-01", [completions(7, 100, 30)]), bucket("2026-10-02", [completions(3, 10, 2)])),
    )
    costs = tmp_path / "costs.jsonl"  # JSON Lines; an amount given as a decimal string
    costs.write_text(
        json.dumps(page(bucket("2026-10-01", [cost(1.5)])))
        + "\n"
        + json.dumps(page(bucket("2026-10-02", [cost("0.25")])))
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "wh"
    code, _, stderr = run_cli(["import", "openai", usage, str(costs), "--out", str(out)])
    assert code == 0, stderr
    assert "under the project 'unassigned'" in stderr
    got = report(run_cli, out, "2026-10")
    assert got["kpis"]["total_requests"] == 10 and got["kpis"]["total_tokens"] == 142
    assert got["kpis"]["total_cost"] == 1.75
    assert got["cost_by_project"]["slices"] == [
        {"project_id": "unassigned", "name": "Unassigned (export not grouped by project)", "cost": 1.75}
    ]
    items = duckdb.execute(
        "SELECT request_id, quantity, unit_price, cost FROM read_parquet($f) WHERE cost <> 0 ORDER BY cost",
        {"f": str(out / "usage_items.parquet")},
    ).fetchall()
    assert items == [(None, 0.0, 0.0, 0.25), (None, 0.0, 0.0, 1.5)]


def test_tokens_are_spread_exactly_over_the_requests(run_cli, tmp_path):
    usage = write_json(tmp_path / "u.json", page(bucket("2026-10-05", [completions(4, 10, 3, "proj_a", "gpt-4o")])))
    costs = write_json(tmp_path / "c.json", page(bucket("2026-10-05", [cost(0.7, "gpt-4o, input", "proj_a")])))
    out = tmp_path / "wh"
    assert run_cli(["import", "openai", usage, costs, "--out", str(out)])[0] == 0
    rows = duckdb.execute(
        "SELECT input_tokens, output_tokens, cost FROM read_parquet($f) ORDER BY request_id",
        {"f": str(out / "usage_requests.parquet")},
    ).fetchall()
    assert [r[:2] for r in rows] == [(3, 1), (3, 1), (2, 1), (2, 0)]
    assert [r[2] for r in rows] == pytest.approx([0.21, 0.21, 0.14, 0.14])  # 0.07 per input token
    assert duckdb.execute(
        "SELECT count(DISTINCT request_id), min(unit_price), sum(cost) FROM read_parquet($f) "
        "WHERE pricing_rule = 'input_tokens'",
        {"f": str(out / "usage_items.parquet")},
    ).fetchone() == (4, pytest.approx(0.07), pytest.approx(0.7))


@pytest.mark.parametrize(
    "line_item, expected",
    [
        ("gpt-4o-2024-08-06, input", ("gpt-4o-2024-08-06", "input_tokens", "text_generation")),
        ("gpt-4o-2024-08-06, cached input", ("gpt-4o-2024-08-06", "cached_input_tokens", "text_generation")),
        ("o3-mini-2025-01-31, output", ("o3-mini-2025-01-31", "output_tokens", "text_generation")),
        ("text-embedding-3-small", ("text-embedding-3-small", "input_tokens", "embedding")),
        ("whisper-1", ("whisper-1", "transcription_seconds", "speech_to_text")),
        ("tts-1", ("tts-1", "characters", "text_to_speech")),
        ("dall-e 3, standard, 1024x1024", ("dall-e 3", "images", "image_generation")),
        ("Web search tool calls", (None, "tool_calls", "web_search")),
        (None, (None, "charge", "other")),
    ],
)
def test_cost_line_items_are_read_as_model_and_rule(line_item, expected):
    assert classify_line_item(line_item) == expected


def bad_file(tmp_path: Path, name: str) -> list[str]:
    """Files for one bad-input case (a list of paths)."""
    usage = page(bucket("2026-10-01", [completions(1, 1, 1, "proj_a", "gpt-4o")]))
    if name == "not json":
        (tmp_path / "a.json").write_text("object: page\n", encoding="utf-8")
        return [str(tmp_path / "a.json")]
    if name == "another shape":
        return [write_json(tmp_path / "a.json", {"data": [{"id": "file-1", "object": "file"}], "object": "list"})]
    if name == "unknown result":
        return [
            write_json(
                tmp_path / "a.json",
                page(
                    bucket(
                        "2026-10-01",
                        [{"object": "organization.usage.images.result", "images": 2, "num_model_requests": 2}],
                    )
                ),
            )
        ]
    if name == "missing field":
        return [
            write_json(
                tmp_path / "a.json",
                page(bucket("2026-10-01", [{"object": "organization.usage.embeddings.result", "input_tokens": 3}])),
            )
        ]
    if name == "two currencies":
        return [
            write_json(
                tmp_path / "a.json", page(bucket("2026-10-01", [cost(1.0), cost(2.0, "gpt-4o, input", currency="eur")]))
            )
        ]
    if name == "another currency":
        return [
            write_json(tmp_path / "a.json", page(bucket("2026-10-01", [cost(2.0, "gpt-4o, input", currency="eur")])))
        ]
    if name == "same export twice":
        return [write_json(tmp_path / "a.json", usage), write_json(tmp_path / "b.json", usage)]
    if name == "missing file":
        return [str(tmp_path / "nowhere.json")]
    raise ValueError(name)


@pytest.mark.parametrize(
    "case, needles",
    [
        ("not json", ["a.json", "not JSON", "expected pages"]),
        ("another shape", ["a.json", '"object": "list"', "expected pages"]),
        ("unknown result", ["a.json", "organization.usage.images.result", "not supported"]),
        ("missing field", ["a.json", "num_model_requests", "missing"]),
        ("two currencies", ["a.json", "usd", "eur"]),
        ("another currency", ["a.json", "costs in EUR", "convert", "USD"]),
        ("same export twice", ["b.json", "a.json", "once"]),
        ("missing file", ["nowhere.json", "no such file"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_cli, tmp_path, case, needles):
    out = tmp_path / "out"
    assert_clean_error(run_cli(["import", "openai", *bad_file(tmp_path, case), "--out", str(out)]), *needles)
    assert not out.exists()


def test_existing_folder_needs_force_and_force_replaces_only_an_import(run_cli, tmp_path):
    usage = write_json(tmp_path / "u.json", page(bucket("2026-10-01", [completions(1, 1, 1, "proj_a", "gpt-4o")])))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert_clean_error(run_cli(["import", "openai", usage, "--out", str(out)]), "not empty", "--force")
    assert_clean_error(run_cli(["import", "openai", usage, "--out", str(out), "--force"]), "notes.txt")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (out / "notes.txt").unlink()
    assert run_cli(["import", "openai", usage, "--out", str(out)])[0] == 0  # an empty folder is fine


def test_json_lines_are_read_a_page_at_a_time(tmp_path):
    """JSON Lines: each line one page (blank lines skipped), a bad line named by its number; a
    pretty-printed document is read whole."""
    from data_connectors.adapters.openai_usage import ExportError, read_documents

    one = page(bucket("2026-10-01", [completions(1, 1, 1, "proj_a", "gpt-4o")]))
    lines = tmp_path / "pages.jsonl"
    lines.write_text("\n" + json.dumps(one) + "\n\n" + json.dumps([one, one]) + "\n", encoding="utf-8")
    documents = read_documents(lines)
    assert next(documents) == one  # a generator: the rest of the file is not read yet
    assert list(documents) == [one, one]
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(one, indent=2), encoding="utf-8")
    assert list(read_documents(pretty)) == [one]
    lines.write_text(json.dumps(one) + "\n\n{oops\n", encoding="utf-8")
    with pytest.raises(ExportError, match="on line 3"):
        list(read_documents(lines))
    (tmp_path / "blank.json").write_text("\n \n", encoding="utf-8")
    with pytest.raises(ExportError, match="empty"):
        list(read_documents(tmp_path / "blank.json"))
