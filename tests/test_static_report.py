"""The month as a file to send (`org-analytics export`), its chat summary (`summary`) and a project
owner's reports (`--project`). The HTML is opened offline in headless Chromium and its numbers are
read back against `report`; the PDF's text is extracted; the summary is read as a person would."""

from __future__ import annotations

import html
import json
import re

import pytest
from browser import chromium_browser, chromium_path
from efficiency_fixture import MONTH as EFFICIENCY_MONTH
from efficiency_fixture import build_efficiency_warehouse

from conftest import DEFAULT_NOW, duckdb_url
from org_analytics_widgets.colors import service_label
from org_analytics_widgets.formatting import money, percent

ZONE = "America/New_York"


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


def _args(edge_warehouse, month: str, *more: str) -> list[str]:
    return [
        "--warehouse",
        duckdb_url(edge_warehouse),
        "--month",
        month,
        "--timezone",
        ZONE,
        "--now",
        DEFAULT_NOW,
        *more,
    ]


def _report(run_cli, edge_warehouse, month: str, *more: str) -> dict:
    code, out, err = run_cli(["report", *_args(edge_warehouse, month, *more)])
    assert code == 0, err
    return json.loads(out)


def _exact(value) -> float:
    return float(value.replace(",", ""))


def _read_back(chromium, path) -> tuple[dict, list[str]]:
    """Open the file offline: what it shows (its exact numbers by section, its text, scripts) and
    every request it made."""
    context = chromium.new_context(offline=True, java_script_enabled=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    shown = page.evaluate(
        """() => {
        const exact = sel => [...document.querySelectorAll(sel)].map(e => e.dataset.exact);
        return {
          kpis: Object.fromEntries([...document.querySelectorAll('.kpi .value')].map(e => [e.dataset.key, e.dataset.exact])),
          total_projects: [...document.querySelectorAll('.kpi .value[data-key=active_projects]')].map(e => e.dataset.total)[0],
          service_types: [...document.querySelectorAll('li[data-service-type]')].map(e => [e.dataset.serviceType, e.dataset.exact]),
          projects: [...document.querySelectorAll('li[data-project]')].map(e => [e.dataset.project, e.dataset.exact]),
          agents: [...document.querySelectorAll('tr[data-agent]')].map(e => [e.dataset.agent, e.querySelector('[data-exact]').dataset.exact]),
          cards: [...document.querySelectorAll('.card[data-service-type]')].map(e => [e.dataset.serviceType, e.querySelector('[data-exact]').dataset.exact]),
          scripts: document.scripts.length,
          xss: window.__xss === undefined ? null : String(window.__xss),
          text: document.body.innerText,
          overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        };
    }"""
    )
    context.close()
    return shown, requests


@pytest.mark.parametrize("month", ["2026-03", "2026-11"])  # a whole month; the current one, up to "now"
def test_the_html_report_opens_offline_and_shows_the_reports_numbers(
    run_cli, edge_warehouse, chromium, tmp_path, month
):
    out = tmp_path / f"org-{month}.html"
    code, _out, err = run_cli(["export", *_args(edge_warehouse, month, "--format", "html", "--out", str(out))])
    assert code == 0 and "wrote" in err, err
    report = _report(run_cli, edge_warehouse, month)
    shown, requests = _read_back(chromium, out)
    assert requests == [out.as_uri()], f"the report fetched something: {requests[1:]}"
    assert shown["scripts"] == 0 and shown["xss"] is None
    kpis = report["kpis"]
    for key in ("total_requests", "total_tokens", "unique_models", "active_projects", "total_conversations"):
        assert int(_exact(shown["kpis"][key])) == kpis[key], key
    assert _exact(shown["kpis"]["total_cost"]) == pytest.approx(kpis["total_cost"], abs=1e-9)
    assert int(shown["total_projects"]) == kpis["total_projects"]
    if kpis["failed_requests"]:
        assert f"{kpis['failed_requests']:,} failed" in shown["text"], "failed calls apart, as on the page"
    expected_types = [(r["service_type"], r["cost"]) for r in report["cost_by_service_type"]]
    assert [k for k, _ in shown["service_types"]] == [k for k, _ in expected_types]
    assert [_exact(v) for _, v in shown["service_types"]] == pytest.approx([c for _, c in expected_types], abs=1e-9)
    slices = report["cost_by_project"]["slices"]
    assert [p or None for p, _ in shown["projects"]] == [s["project_id"] for s in slices]
    assert [_exact(v) for _, v in shown["projects"]] == pytest.approx([s["cost"] for s in slices], abs=1e-9)
    assert [a for a, _ in shown["agents"]] == [a["agent_id"] for a in report["top_agents"]]
    assert [_exact(v) for _, v in shown["agents"]] == pytest.approx([a["cost"] for a in report["top_agents"]], abs=1e-9)
    assert [k for k, _ in shown["cards"]] == [c["service_type"] for c in report["service_types"]]
    for kind, _ in expected_types:
        assert service_label(kind) in shown["text"], "service types in words"
    assert ZONE in shown["text"] and not shown["overflow"]


def test_names_in_the_report_are_text(run_cli, edge_warehouse, chromium, tmp_path):
    out = tmp_path / "march.html"
    assert run_cli(["export", *_args(edge_warehouse, "2026-03", "--out", str(out))])[0] == 0
    text = out.read_text()
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    shown, _ = _read_back(chromium, out)
    assert "<script>alert(1)</script>" in shown["text"] and shown["scripts"] == 0


def test_the_pdf_report_holds_the_numbers_as_text(run_cli, edge_warehouse, tmp_path):
    chromium_path()  # Chromium prints the PDF: under CI=true it must be there
    from pypdf import PdfReader

    out = tmp_path / "march.pdf"
    code, _out, err = run_cli(["export", *_args(edge_warehouse, "2026-03", "--format", "pdf", "--out", str(out))])
    assert code == 0, err
    reader = PdfReader(str(out))
    text = " ".join(page.extract_text() for page in reader.pages)
    report = _report(run_cli, edge_warehouse, "2026-03")
    assert "Organization Analytics" in text and "March 2026" in text
    assert money(report["kpis"]["total_cost"]) in text
    assert f"{report['kpis']['total_requests']:,}" in text
    for agent in report["top_agents"][:3]:
        assert agent["name"] in text
    assert 1 <= len(reader.pages) <= 6, "A4 pages, not one endless page"
    assert abs(float(reader.pages[0].mediabox.width) - 595) < 3, "A4 width (595 pt)"


def test_a_project_owners_report_holds_only_their_project(run_cli, edge_warehouse, tmp_path):
    everything = _report(run_cli, edge_warehouse, "2026-03")
    voice = _report(run_cli, edge_warehouse, "2026-03", "--project", "p_voice")
    assert voice["kpis"]["total_projects"] == 1 and voice["kpis"]["total_cost"] < everything["kpis"]["total_cost"]
    assert [s["project_id"] for s in voice["cost_by_project"]["slices"]] == ["p_voice"]
    assert {a["project_id"] for a in voice["top_agents"]} <= {"p_voice"}
    out = tmp_path / "voice.html"
    assert run_cli(["export", *_args(edge_warehouse, "2026-03", "--project", "p_voice", "--out", str(out))])[0] == 0
    page = out.read_text()
    assert "Voice desk" in page and "Support bot" not in page
    code, _out, err = run_cli(["report", *_args(edge_warehouse, "2026-03", "--project", "p_nope")])
    assert code == 2 and "--project p_nope: no such project id" in err and err.count("\n") == 1


def _exact_of(page: str, attribute: str) -> dict[str, str]:
    """``{value of attribute: data-exact}`` of the elements carrying both, in document order."""
    found = re.findall(rf'{attribute}="([^"]*)"[^>]*?data-exact="([^"]*)"', page)
    return {html.unescape(key): value for key, value in found}


def test_the_html_report_holds_error_rate_cost_by_model_cost_per_use_and_cache_savings(run_cli, tmp_path):
    path = tmp_path / "efficiency.duckdb"
    build_efficiency_warehouse(path)
    args = ["--warehouse", duckdb_url(path), "--month", EFFICIENCY_MONTH, "--timezone", "UTC", "--now", DEFAULT_NOW]
    code, out, err = run_cli(["report", *args])
    assert code == 0, err
    report = json.loads(out)
    page_file = tmp_path / "efficiency.html"
    assert run_cli(["export", *args, "--format", "html", "--out", str(page_file)])[0] == 0
    page = page_file.read_text()
    kpis = _exact_of(page, "data-key")
    assert float(kpis["error_rate"]) == pytest.approx(report["kpis"]["error_rate"], abs=1e-12), "the error rate card"
    assert ">28.6 %</div>" in page
    models = re.findall(r'<li data-model="([^"]*)" data-exact="([^"]*)"', page)
    slices = report["cost_by_model"]["slices"]
    assert [m or None for m, _ in models] == [s["model"] for s in slices]
    assert [_exact(v) for _, v in models] == pytest.approx([s["cost"] for s in slices], abs=1e-9)
    assert "No model" in page, "items naming no model have a slice of their own"
    rows = re.findall(r'<tr data-project="([^"]*)">(.*?)</tr>', page)
    efficiency = report["efficiency"]
    assert [p for p, _ in rows] == ["", *(r["project_id"] for r in efficiency["projects"])]
    for (_, cells), expected in zip(rows, [efficiency["organization"], *efficiency["projects"]]):
        shown = [_exact(v) for v in re.findall(r'data-exact="([^"]*)"', cells)]
        wanted = [expected[k] for k in ("cost", "cost_per_request", "cost_per_conversation", "cost_per_1k_tokens")]
        assert shown == pytest.approx([w for w in wanted if w is not None], abs=1e-9), expected
    cache = report["cache_savings"]["organization"]
    assert float(kpis["cache_saving"]) == pytest.approx(cache["saving"], abs=1e-9)
    assert float(kpis["cached_share"]) == pytest.approx(cache["cached_share"], abs=1e-12)
    assert "41.0 % of the input tokens" in page and "$2.10" in page


@pytest.mark.parametrize("month", ["2026-03", "2026-11"])
def test_the_html_report_and_the_summary_say_the_forecast_of_the_current_month_only(
    run_cli, edge_warehouse, tmp_path, month
):
    forecast = _report(run_cli, edge_warehouse, month)["forecast"]
    out = tmp_path / "month.html"
    assert run_cli(["export", *_args(edge_warehouse, month, "--out", str(out))])[0] == 0
    shown = _exact_of(out.read_text(), "data-key").get("forecast")
    code, summary, err = run_cli(["summary", *_args(edge_warehouse, month)])
    assert code == 0, err
    if forecast is None:
        assert shown is None and "forecast" not in summary, "a closed month has no forecast"
        return
    assert _exact(shown) == pytest.approx(forecast["total"]["forecast"], abs=1e-9)
    assert f"month-end forecast {money(forecast['total']['forecast'])}" in summary.splitlines()[0]


def test_the_summary_reads_as_a_message(run_cli, edge_warehouse):
    report = _report(run_cli, edge_warehouse, "2026-03")
    code, out, err = run_cli(["summary", *_args(edge_warehouse, "2026-03")])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert 2 <= len(lines) <= 4 and lines[0].startswith("Organization Analytics, March 2026 (America/New_York): ")
    k = report["kpis"]
    assert money(k["total_cost"]) in lines[0] and "vs February" in lines[0]
    assert k["failed_requests"] and (
        f"{k['total_requests']:,} requests ({k['failed_requests']:,} failed, {percent(k['error_rate'])})" in out
    ), "failed requests and the error rate"
    assert (
        f"{k['total_requests']:,} requests" in out
        and f"{k['active_projects']}/{k['total_projects']} active projects" in out
    )
    assert report["top_agents"][0]["name"] in out and "_" not in lines[-1].split("most spent on")[-1], "words, not keys"


def test_export_errors_are_one_line(run_cli, edge_warehouse, tmp_path, monkeypatch):
    code, _out, err = run_cli(["export", *_args(edge_warehouse, "2026-03", "--out", str(tmp_path / "no" / "r.html"))])
    assert code == 2 and "no folder" in err and err.count("\n") == 1
    monkeypatch.setenv("PATH", str(tmp_path))  # no Chromium to print with
    monkeypatch.delenv("ORG_ANALYTICS_CHROMIUM", raising=False)
    out = tmp_path / "r.pdf"
    code, _out, err = run_cli(["export", *_args(edge_warehouse, "2026-03", "--format", "pdf", "--out", str(out))])
    assert code == 2 and "PDF needs Chromium" in err and "--format html" in err and err.count("\n") == 1
    assert not out.exists()
