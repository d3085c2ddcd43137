"""`import openai` on exports shaped as the APIs write them, with every number worked out by hand.

The fixture (data_connectors/adapters/samples/openai/line_items/) has the Costs API's line items as
it spells them (tiers, long context, cache writes without a model, audio and image modalities, a
bare "whisper", tool calls, vector storage, a fine-tuned model), amounts as strings and numbers,
org-level charges with a null project_id in an export grouped by project, buckets on both sides of
the 2026-07-15 change of meaning of input_tokens, and a project (proj_Beta2) that only the exports
name, first seen on 2026-08-01 00:00 UTC (2026-07-31 20:00 in New York)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "data_connectors" / "adapters" / "samples" / "openai" / "line_items"
NOW = "2026-11-25T12:00:00Z"
ALPHA, BETA, ORG = ("proj_Alpha1", "Alpha assistant"), ("proj_Beta2", "proj_Beta2"), ("organisation", None)
ORG_NAME = "Organisation (charges of no project)"

# July, UTC: 07-14 (before the change: 1000 text + 300 audio in, 400 + 100 audio out, 4 requests),
# 07-15 (the same usage as the API reports it after the change: 1300 in; and gpt-4o: 2000 in,
# 600 out, 10 requests). Costs 0.002 + 0.012 + 0.004 (audio model) + 0.003 + 0.000625 + 0.000375
# + 0.012 + 0.006 (gpt-4o) = 0.04 text generation, 0.25 web search, 2 x 0.10 vector storage.
# August, UTC: 08-01 (ft model 500 + 100 tokens, 5 requests; gpt-4o 1000 + 200, 2 requests; costs
# 0.0015 + 0.0012 + 0.0025 + 0.002 = 0.0072 text generation, 2.50 fine-tuning training, 0.40 image
# output), 08-20 (whisper-1, 120 s, 3 requests, 0.012; vector storage 0.10).
# New York (UTC-4 all summer): the 08-01 00:00 UTC bucket is July 31, so July gets it.
EXPECTED = {
    ("2026-07", "UTC"): {
        "kpis": dict(requests=18, tokens=1800 + 1800 + 2600, models=2, active=1, projects=2, cost=0.49),
        "services": [("web_search", 0.25), ("storage", 0.2), ("text_generation", 0.04)],
        "slices": [(ALPHA, 0.29), (ORG, 0.2)],
    },
    ("2026-08", "UTC"): {
        "kpis": dict(requests=10, tokens=600 + 1200, models=4, active=2, projects=3, cost=3.0192),
        "services": [
            ("fine_tuning", 2.5),
            ("image_generation", 0.4),
            ("storage", 0.1),
            ("speech_to_text", 0.012),
            ("text_generation", 0.0072),
        ],
        "slices": [(BETA, 2.5027), (ALPHA, 0.4165), (ORG, 0.1)],
    },
    ("2026-07", "America/New_York"): {
        "kpis": dict(requests=25, tokens=8000, models=4, active=2, projects=3, cost=3.3972),
        "services": [
            ("fine_tuning", 2.5),
            ("image_generation", 0.4),
            ("web_search", 0.25),
            ("storage", 0.2),
            ("text_generation", 0.0472),
        ],
        "slices": [(BETA, 2.5027), (ALPHA, 0.6945), (ORG, 0.2)],
    },
    ("2026-08", "America/New_York"): {
        "kpis": dict(requests=3, tokens=0, models=1, active=1, projects=3, cost=0.112),
        "services": [("storage", 0.1), ("speech_to_text", 0.012)],
        "slices": [(ALPHA, 0.012), (ORG, 0.1)],
    },
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    from data_connectors.adapters.openai_usage import import_openai

    out = tmp_path_factory.mktemp("openai-line-items") / "wh"
    summary = import_openai(sorted(SAMPLES.glob("*.json")), out)
    assert any("'organisation'" in note for note in summary.notes)
    return out


@pytest.mark.parametrize("month, zone", EXPECTED)
def test_hand_computed_report(run_cli, warehouse, month, zone):
    import json

    code, out, err = run_cli(
        ["report", "--warehouse", f"parquet://{warehouse}", "--month", month, "--timezone", zone, "--now", NOW]
    )
    assert code == 0, err
    got, want = json.loads(out), EXPECTED[(month, zone)]
    k = want["kpis"]
    assert got["kpis"] == {
        "total_requests": k["requests"],
        "total_tokens": k["tokens"],
        "unique_models": k["models"],
        "active_projects": k["active"],
        "total_projects": k["projects"],
        "total_conversations": 0,
        "total_cost": pytest.approx(k["cost"], abs=1e-9),
        "failed_requests": 0,  # OpenAI's usage and costs exports report no failed calls
        "error_rate": 0.0 if k["requests"] else None,
    }
    services = [(row["service_type"], row["cost"]) for row in got["cost_by_service_type"]]
    assert [s for s, _ in services] == [s for s, _ in want["services"]]
    assert [c for _, c in services] == pytest.approx([c for _, c in want["services"]], abs=1e-9)
    slices = sorted((s["project_id"], s["name"], s["cost"]) for s in got["cost_by_project"]["slices"])
    expected = sorted((pid, name or ORG_NAME, cost) for (pid, name), cost in want["slices"])
    assert [s[:2] for s in slices] == [s[:2] for s in expected]
    assert [s[2] for s in slices] == pytest.approx([s[2] for s in expected], abs=1e-9)


def _query(warehouse: Path, table: str, sql: str) -> list[tuple]:
    return duckdb.execute(sql.format(t="read_parquet($f)"), {"f": str(warehouse / f"{table}.parquet")}).fetchall()


def test_input_tokens_mean_the_same_on_both_sides_of_2026_07_15(warehouse):
    """The same usage, reported before the change (text only, audio apart) and after it (all
    modalities): the same tokens and the same items."""
    per_day = _query(
        warehouse,
        "usage_requests",
        "SELECT created_at::DATE::VARCHAR, sum(input_tokens), sum(output_tokens) FROM {t} "
        "WHERE model LIKE 'gpt-4o-audio%' GROUP BY 1 ORDER BY 1",
    )
    assert per_day == [("2026-07-14", 1300, 500), ("2026-07-15", 1300, 500)]
    rules = _query(
        warehouse,
        "usage_items",
        "SELECT created_at::DATE::VARCHAR, pricing_rule, sum(quantity) FROM {t} "
        "WHERE model LIKE 'gpt-4o-audio%' GROUP BY ALL ORDER BY 1, 2",
    )
    per_rule = {"cached_input_tokens": 200, "input_audio_tokens": 300, "input_tokens": 800}
    per_rule |= {"output_audio_tokens": 100, "output_tokens": 400}
    assert rules == [(day, rule, q) for day in ("2026-07-14", "2026-07-15") for rule, q in sorted(per_rule.items())]


def test_cost_lands_on_the_usage_it_belongs_to(warehouse):
    rows = _query(
        warehouse,
        "usage_items",
        "SELECT created_at::DATE::VARCHAR, service_type, model, pricing_rule, request_id IS NULL, "
        "sum(quantity), round(sum(cost), 9) FROM {t} WHERE cost <> 0 GROUP BY ALL ORDER BY ALL",
    )
    assert rows == [
        ("2026-07-14", "storage", None, "storage", True, 0.0, 0.1),
        ("2026-07-14", "text_generation", "gpt-4o-audio-preview-2024-12-17", "input_audio_tokens", False, 300, 0.012),
        ("2026-07-14", "text_generation", "gpt-4o-audio-preview-2024-12-17", "input_tokens", False, 800, 0.002),
        ("2026-07-14", "text_generation", "gpt-4o-audio-preview-2024-12-17", "output_tokens", False, 400, 0.004),
        ("2026-07-15", "storage", None, "storage", True, 0.0, 0.1),
        ("2026-07-15", "text_generation", "gpt-4o-2024-08-06", "cache_write_tokens", False, 300, 0.000375),
        ("2026-07-15", "text_generation", "gpt-4o-2024-08-06", "cached_input_tokens", False, 500, 0.000625),
        ("2026-07-15", "text_generation", "gpt-4o-2024-08-06", "input_tokens", False, 1200, 0.003),
        # the priority tier's long-context output and the standard output: one line, 0.018 / 600
        ("2026-07-15", "text_generation", "gpt-4o-2024-08-06", "output_tokens", False, 600, 0.018),
        ("2026-07-15", "web_search", None, "tool_calls", True, 0.0, 0.25),
        ("2026-08-01", "fine_tuning", "ft:gpt-4o-mini-2024-07-18:acme::B7xQ2kLm", "training_tokens", True, 0.0, 2.5),
        ("2026-08-01", "image_generation", "gpt-image-1", "output_image_tokens", True, 0.0, 0.4),
        (
            "2026-08-01",
            "text_generation",
            "ft:gpt-4o-mini-2024-07-18:acme::B7xQ2kLm",
            "input_tokens",
            False,
            500,
            0.0015,
        ),
        (
            "2026-08-01",
            "text_generation",
            "ft:gpt-4o-mini-2024-07-18:acme::B7xQ2kLm",
            "output_tokens",
            False,
            100,
            0.0012,
        ),
        ("2026-08-01", "text_generation", "gpt-4o-2024-08-06", "input_tokens", False, 1000, 0.0025),
        ("2026-08-01", "text_generation", "gpt-4o-2024-08-06", "output_tokens", False, 200, 0.002),
        ("2026-08-20", "speech_to_text", "whisper-1", "transcription_seconds", False, 120, 0.012),
        ("2026-08-20", "storage", None, "storage", True, 0.0, 0.1),
    ]
    assert _query(
        warehouse,
        "usage_items",
        "SELECT DISTINCT unit_price FROM {t} WHERE pricing_rule = 'output_tokens' "
        "AND model = 'gpt-4o-2024-08-06' AND created_at < '2026-08-01'",
    ) == [(pytest.approx(0.00003),)]


def test_projects_only_in_the_exports_exist_from_their_first_bucket(warehouse):
    rows = _query(warehouse, "projects", "SELECT project_id, name, created_at::VARCHAR FROM {t} ORDER BY 1")
    assert rows == [
        ("organisation", ORG_NAME, "2026-07-14 00:00:00"),
        ("proj_Alpha1", "Alpha assistant", "2026-01-05 00:00:00"),
        ("proj_Beta2", "proj_Beta2", "2026-08-01 00:00:00"),
    ]


@pytest.mark.parametrize(
    "line_item, parsed",
    [
        ("gpt-4o-2024-08-06, input", ("gpt-4o-2024-08-06", None, "text", "input", None, "input_tokens")),
        (
            "gpt-4o-2024-08-06, cached input",
            ("gpt-4o-2024-08-06", None, "text", "cached input", None, "cached_input_tokens"),
        ),
        (
            "priority | gpt-5.6-sol, output, long context",
            ("gpt-5.6-sol", "priority", "text", "output", "long context", "output_tokens"),
        ),
        (", cache writes", (None, None, "text", "cache writes", None, "cache_write_tokens")),
        (
            "gpt-4o-audio-preview audio, input",
            ("gpt-4o-audio-preview", None, "audio", "input", None, "input_audio_tokens"),
        ),
        ("gpt-image-1 image, output", ("gpt-image-1", None, "image", "output", None, "output_image_tokens")),
        ("whisper", ("whisper", None, "text", None, None, "transcription_seconds")),
        ("web search tool calls", (None, None, None, None, None, "tool_calls")),
        ("Vector storage", (None, None, None, None, None, "storage")),
        (
            "ft-gpt-4o-mini-2024-07-18, output",
            ("ft-gpt-4o-mini-2024-07-18", None, "text", "output", None, "output_tokens"),
        ),
        ("Something new", (None, None, None, None, None, "charge")),
    ],
)
def test_line_items_are_read_apart(line_item, parsed):
    from data_connectors.adapters.openai_usage import parse_line_item

    got = parse_line_item(line_item)
    assert (got.model, got.tier, got.modality, got.direction, got.detail, got.rule) == parsed


def test_written_in_chunks_the_same_rows_in_created_at_order(warehouse, tmp_path, monkeypatch):
    """Chunks of at most 3 requests (one group when bigger): the same rows as one chunk, each file
    in created_at order, charges between the usage of their day."""
    from data_connectors.adapters import openai_usage

    monkeypatch.setattr(openai_usage, "CHUNK_REQUESTS", 3)
    out = tmp_path / "chunked"
    openai_usage.import_openai(sorted(SAMPLES.glob("*.json")), out)
    for table in ("usage_requests", "usage_items"):
        rows = {folder: _query(folder, table, "SELECT * FROM {t}") for folder in (warehouse, out)}
        assert sorted(rows[out], key=str) == sorted(rows[warehouse], key=str)
        times = [row[2] for row in rows[out]] if table == "usage_items" else [row[1] for row in rows[out]]
        assert times == sorted(times), table
    assert len(pq.ParquetFile(out / "usage_items.parquet").metadata.to_dict()["row_groups"]) > 1


@pytest.mark.parametrize(
    "cost_model, usage_model, same",
    [
        ("whisper", "whisper-1", True),
        ("gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-12-17", True),
        ("gpt-4o-2024-08-06", "gpt-4o", True),
        ("ft-gpt-4o-mini-2024-07-18", "ft:gpt-4o-mini-2024-07-18:acme::b7xq2klm", True),
        (None, "gpt-4o-2024-08-06", True),  # ", cache writes": every model's
        ("gpt-4o", "gpt-4o-mini-2024-07-18", False),  # another model, not a version of it
        ("gpt-4o-mini-2024-07-18", "gpt-4o", False),
        ("gpt-4o-2024-08-06", "gpt-4o-2024-11-20", False),
    ],
)
def test_a_cost_line_names_a_usage_model_only_up_to_a_version(cost_model, usage_model, same):
    from data_connectors.adapters.openai_usage import _same_model

    assert _same_model(cost_model, usage_model) is same
