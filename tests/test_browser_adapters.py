"""The adapters' samples, served as a real dashboard: LiteLLM through its mapping, OpenAI's and
Anthropic's exports through `import openai` and `import anthropic`. The page reaches "ready" and
shows the report's KPIs, and the Conversations card says what a conversation is for the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEFAULT_NOW, report_runner

from browser import browser_page, serving, wait_ready
from test_browser_dashboard import KPI_KEYS, shown_kpis

from data_connectors.adapters.anthropic_usage import import_anthropic
from data_connectors.adapters.openai_usage import import_openai
from data_connectors.adapters.samples.litellm.load import build_duckdb

SAMPLES = Path(__file__).resolve().parent.parent / "data_connectors" / "adapters" / "samples"
MONTH = "2026-10"
NOTES = {  # the start of each source's note: litellm.toml's [kpi_notes], the importers' KPI_NOTES
    "litellm": "Calls that share a conversation id the client set: metadata.spend_logs_metadata.conversation_id",
    "openai": "None: OpenAI's usage and costs exports carry no conversations, so this count is 0.",
    "anthropic": "None: Anthropic's usage and cost reports carry no conversations, so this count is 0.",
}


@pytest.fixture(scope="module")
def adapter_urls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adapters")
    litellm = build_duckdb(folder / "litellm.duckdb")
    import_openai(sorted((SAMPLES / "openai").glob("*.json*")), folder / "openai")
    import_anthropic(sorted((SAMPLES / "anthropic").glob("*.json")), folder / "anthropic")
    return {
        "litellm": f"mapping:litellm?source=duckdb://{litellm}",
        "openai": f"parquet://{folder / 'openai'}",
        "anthropic": f"parquet://{folder / 'anthropic'}",
    }


@pytest.mark.parametrize("adapter", ["litellm", "openai", "anthropic"])
def test_the_sample_is_a_working_dashboard(adapter, adapter_urls, run_cli):
    url = adapter_urls[adapter]
    report = report_runner(run_cli, url)(month=MONTH, timezone="UTC", now=DEFAULT_NOW)
    assert report["kpis"]["total_requests"] > 0 and report["kpis"]["total_cost"] > 0
    with serving("--warehouse", url, env={"ORG_ANALYTICS_NOW": DEFAULT_NOW}) as served, browser_page() as page:
        page.goto(f"{served}/?month={MONTH}")
        wait_ready(page, MONTH)
        assert shown_kpis(page) == {key: report["kpis"][key] for key in KPI_KEYS}
        note = page.get_attribute(".oa-kpi-total-conversations .oa-kpi-card", "title")
        assert NOTES[adapter] in note, "the Conversations card says what a conversation is for this source"
        assert page.locator(".oa-top-agents-section").count() == 1
        assert "Traceback" not in page.inner_text("body")
