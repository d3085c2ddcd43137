"""What a KPI means for a warehouse's source (a conversation, above all) is written once per source
(data_connectors.schema.KPI_NOTES for the canonical tables, ``[kpi_notes]`` in a mapping file),
shown on the KPI card's hover, and said in the same words in docs/warehouses.md."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import duckdb_url
from test_cli_errors import assert_clean_error

from data_connectors import connect
from data_connectors.adapters.anthropic_usage import import_anthropic
from data_connectors.adapters.openai_usage import import_openai
from data_connectors.adapters.samples.litellm.load import build_duckdb
from data_connectors.schema import KPI_NOTES
from data_connectors.warehouse import restrict
from org_analytics_widgets.widgets.kpi_cards import KpiCards

DOCS = Path(__file__).resolve().parent.parent / "docs" / "warehouses.md"
SAMPLES = Path(__file__).resolve().parent.parent / "data_connectors" / "adapters" / "samples"


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


IMPORTS = {  # source -> (its importer, its samples, its section of docs/warehouses.md)
    "openai": (import_openai, "openai", "OpenAI usage and costs exports"),
    "anthropic": (import_anthropic, "anthropic", "Anthropic usage and cost reports"),
}


@pytest.mark.parametrize("source", IMPORTS)
def test_an_import_says_what_its_section_says(tmp_path, source):
    """The exports carry no conversations: the import writes that into the warehouse it writes, and
    ``parquet://`` reads it back for the card (and a viewer's narrowed warehouse keeps it)."""
    importer, samples, title = IMPORTS[source]
    importer(sorted((SAMPLES / samples).glob("*.json*")), tmp_path / "w")
    warehouse = connect(f"parquet://{tmp_path / 'w'}")
    try:
        note = warehouse.kpi_notes["total_conversations"]
        assert restrict(warehouse, ["default"]).kpi_notes == warehouse.kpi_notes
    finally:
        warehouse.close()
    assert note != KPI_NOTES["total_conversations"] and "carry no conversations, so this count is 0" in note
    [row] = [line for line in _section(title).splitlines() if line.startswith("| total_conversations |")]
    assert note in _plain(row), f"the {title} section's total_conversations row starts with the card's note"


def test_parquet_files_that_say_different_things_keep_the_canonical_note(tmp_path):
    """A folder of usage_requests files of which one was not written by an import: no note applies to all."""
    import_anthropic(sorted((SAMPLES / "anthropic").glob("*.json")), tmp_path / "w")
    folder = tmp_path / "w" / "usage_requests"
    folder.mkdir()
    table = pq.read_table(tmp_path / "w" / "usage_requests.parquet")
    (tmp_path / "w" / "usage_requests.parquet").unlink()
    pq.write_table(table, folder / "imported.parquet")
    pq.write_table(table.slice(0, 0).replace_schema_metadata(None), folder / "other.parquet")
    warehouse = connect(f"parquet://{tmp_path / 'w'}")
    try:
        assert warehouse.kpi_notes == KPI_NOTES
    finally:
        warehouse.close()
