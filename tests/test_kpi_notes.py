"""What a KPI means for a warehouse's source (a conversation, above all) is written once per source
(data_connectors.schema.KPI_NOTES for the canonical tables, ``[kpi_notes]`` in a mapping file),
shown on the KPI card's hover, and said in the same words in docs/warehouses.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import duckdb_url
from test_cli_errors import assert_clean_error

from data_connectors import connect
from data_connectors.adapters.samples.litellm.load import build_duckdb
from data_connectors.schema import KPI_NOTES
from data_connectors.warehouse import restrict
from org_analytics_widgets.widgets.kpi_cards import KpiCards

DOCS = Path(__file__).resolve().parent.parent / "docs" / "warehouses.md"


def _plain(markdown: str) -> str:
    """Markdown as a reader sees it: no backticks, one space between words."""
    return " ".join(markdown.replace("`", "").split())


def _section(title: str) -> str:
    text = DOCS.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


@pytest.fixture(scope="module")
def litellm_sample(tmp_path_factory) -> Path:
    return build_duckdb(tmp_path_factory.mktemp("notes") / "litellm.duckdb")


def test_a_canonical_warehouse_says_what_the_docs_say(edge_warehouse):
    warehouse = connect(duckdb_url(edge_warehouse))
    try:
        assert warehouse.kpi_notes == KPI_NOTES
        assert restrict(warehouse, ["p_support"]).kpi_notes == KPI_NOTES, "a viewer's narrowed warehouse keeps them"
    finally:
        warehouse.close()
    intro = _plain(DOCS.read_text().split("\n## ", 1)[0])
    assert KPI_NOTES["total_conversations"] in intro, "docs/warehouses.md's introduction says what a conversation is"


def test_litellm_says_what_its_section_says(litellm_sample):
    warehouse = connect(f"mapping:litellm?source=duckdb://{litellm_sample}")
    try:
        note = warehouse.kpi_notes["total_conversations"]
    finally:
        warehouse.close()
    [row] = [line for line in _section("LiteLLM").splitlines() if line.startswith("| Conversations |")]
    assert note in _plain(row), "the LiteLLM section's Conversations row starts with the card's note"
    assert "spend_logs_metadata.conversation_id" in note


def test_a_mapping_option_reaches_the_note(litellm_sample):
    warehouse = connect(f"mapping:litellm?conversation_key=thread&source=duckdb://{litellm_sample}")
    try:
        assert "metadata.spend_logs_metadata.thread, else" in warehouse.kpi_notes["total_conversations"]
    finally:
        warehouse.close()


def _mapping(tmp_path, edge_warehouse, notes: str) -> str:
    """A mapping of the edge warehouse's own tables onto themselves, ``notes`` before them."""
    tables = "\n".join(f"[{t}]\nfrom = {t!r}\n" for t in ("projects", "agents", "usage_requests", "usage_items"))
    path = tmp_path / "own.toml"
    path.write_text(f'source = "duckdb://{edge_warehouse}"\n{notes}\n{tables}')
    return f"mapping://{path}"


def test_a_mapping_file_says_it_for_its_source(tmp_path, edge_warehouse):
    url = _mapping(tmp_path, edge_warehouse, '[kpi_notes]\ntotal_conversations = """Calls that share\n  a thread."""')
    warehouse = connect(url)
    try:
        assert warehouse.kpi_notes == {"total_conversations": "Calls that share a thread."}
    finally:
        warehouse.close()


@pytest.mark.parametrize(
    "notes, said",
    [
        ('[kpi_notes]\ntotal_cost = "in euros"', "kpi_notes.total_cost: no KPI card has a note 'total_cost'"),
        ("[kpi_notes]\ntotal_conversations = 3", "kpi_notes.total_conversations: a note is text"),
        ('kpi_notes = "threads"', "kpi_notes: must be a table"),
    ],
)
def test_a_wrong_note_is_one_line(run_cli, tmp_path, edge_warehouse, notes, said):
    url = _mapping(tmp_path, edge_warehouse, notes)
    assert_clean_error(run_cli(["report", "--warehouse", url, "--month", "2026-03"]), said)


def test_the_card_carries_the_note_on_hover_escaped():
    cards = KpiCards(notes={"total_conversations": 'Threads <b>"set"</b> by the client.'})
    cards.values = {"total_conversations": 3}
    card = cards.cards["total_conversations"].value
    title = re.search(r'title="([^"]*)"', card).group(1)
    assert title == "3\n\nThreads &lt;b&gt;&quot;set&quot;&lt;/b&gt; by the client.", "exact value, then the note"
    assert '<span class="oa-kpi-info" aria-hidden="true">i</span>' in card, "the label says there is more on hover"
    assert "oa-kpi-info" not in cards.cards["total_requests"].value, "no note, no mark"
