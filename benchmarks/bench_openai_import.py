"""`org-analytics import openai` at the scale of a busy organisation: time and peak RSS.

    python benchmarks/bench_openai_import.py [--scales 1 3 10] [--keep DIR]

Scale 1 is a realistic two-month export (2026-10-01 .. 2026-11-29, 60 daily buckets) of an
organisation making about 12,000 requests a day: 12 projects, completions on 5 models (input,
cached input and output tokens; two models with audio tokens), embeddings, transcriptions and
speech, so about 720k synthetic requests and 1.8M usage items. Scale k multiplies the requests
(``num_model_requests`` and the tokens), not the number of results: an export's size on disk is
its number of groups, the import's work is its number of requests. Pages are written as the API
pages them (7 daily buckets per page, ``has_more``/``next_page``), costs grouped by project and
line item with the line items the Costs API spells (tiers, long context, audio, images, tools,
storage, org-level charges with a null project).

Each import is the command ``org-analytics import openai FILES --out DIR`` in a fresh process;
time is its wall time (interpreter start included, ~1 s), peak RSS its ``ru_maxrss``. Writes
benchmarks/RESULTS-openai-import.md (appends one table per run). ``measure`` and ``main`` are shared
with the other importers' benchmarks (``bench_anthropic_import.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = 1790812800  # 2026-10-01 00:00 UTC
DAYS = 60
DAY = 86_400
PROJECTS = [f"proj_bench{n:02d}" for n in range(12)]
CHAT = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "o3-mini-2025-01-31", "gpt-4.1-2025-04-14"]
AUDIO = "gpt-4o-audio-preview-2024-12-17"
PER_DAY = 12_000  # requests a day at scale 1


def _completions(n, project, model, day_rng, audio=False) -> dict:
    inputs = n * day_rng.randint(600, 1400)
    cached = inputs // 3
    result = {
        "object": "organization.usage.completions.result",
        "input_tokens": inputs,
        "output_tokens": n * day_rng.randint(150, 400),
        "input_cached_tokens": cached,
        "input_audio_tokens": n * 200 if audio else 0,
        "output_audio_tokens": n * 100 if audio else 0,
        "num_model_requests": n,
        "project_id": project,
        "user_id": None,
        "api_key_id": None,
        "model": model,
        "batch": None,
    }
    return result


def generate(folder: Path, scale: int) -> list[str]:
    """Usage and costs pages for ``scale`` x 12k requests a day; returns the files."""
    rng = random.Random(14)
    kinds: dict[str, list[dict]] = {"completions": [], "embeddings": [], "audio": [], "costs": []}
    for d in range(DAYS):
        start = START + d * DAY
        buckets = {k: {"object": "bucket", "start_time": start, "end_time": start + DAY, "results": []} for k in kinds}
        weights = [rng.random() + 0.2 for _ in range(len(PROJECTS) * (len(CHAT) + 4))]
        total = sum(weights)
        shares = iter(max(1, round(scale * PER_DAY * w / total)) for w in weights)
        for project in PROJECTS:
            for model in CHAT:
                n = next(shares)
                r = _completions(n, project, model, rng)
                buckets["completions"]["results"].append(r)
                buckets["costs"]["results"] += _costs(project, model, r, rng)
            n = next(shares)
            r = _completions(n, project, AUDIO, rng, audio=True)
            buckets["completions"]["results"].append(r)
            buckets["costs"]["results"] += _costs(project, AUDIO, r, rng)
            n = next(shares)
            buckets["embeddings"]["results"].append(
                {
                    "object": "organization.usage.embeddings.result",
                    "input_tokens": n * 300,
                    "num_model_requests": n,
                    "project_id": project,
                    "user_id": None,
                    "api_key_id": None,
                    "model": "text-embedding-3-small",
                    "batch": None,
                }
            )
            buckets["costs"]["results"].append(_cost(n * 300 * 2e-8, "text-embedding-3-small", project))
            n = next(shares)
            buckets["audio"]["results"].append(
                {
                    "object": "organization.usage.audio_transcriptions.result",
                    "seconds": n * 40,
                    "num_model_requests": n,
                    "project_id": project,
                    "user_id": None,
                    "api_key_id": None,
                    "model": "whisper-1",
                }
            )
            buckets["costs"]["results"].append(_cost(n * 40 * 1e-4, "whisper", project))
            n = next(shares)
            buckets["audio"]["results"].append(
                {
                    "object": "organization.usage.audio_speeches.result",
                    "characters": n * 500,
                    "num_model_requests": n,
                    "project_id": project,
                    "user_id": None,
                    "api_key_id": None,
                    "model": "tts-1",
                }
            )
            buckets["costs"]["results"].append(_cost(n * 500 * 1.5e-5, "tts-1", project))
            buckets["costs"]["results"].append(_cost(f"{rng.random():.16f}", "web search tool calls", project))
        buckets["costs"]["results"].append(_cost(f"{0.5 * scale:.2f}", "Vector storage", None))
        buckets["costs"]["results"].append(_cost(0.04 * scale, "gpt-image-1 image, output", PROJECTS[0]))
        for kind, b in buckets.items():
            kinds[kind].append(b)
    files = []
    for kind, all_buckets in kinds.items():
        pages = [all_buckets[i : i + 7] for i in range(0, len(all_buckets), 7)]
        path = folder / f"{kind}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for i, data in enumerate(pages):
                more = i < len(pages) - 1
                f.write(
                    json.dumps(
                        {"object": "page", "data": data, "has_more": more, "next_page": f"p{i}" if more else None}
                    )
                )
                f.write("\n")
        files.append(str(path))
    return files


def _costs(project: str, model: str, r: dict, rng: random.Random) -> list[dict]:
    out = [
        _cost(r["input_tokens"] * 2.5e-6, f"{model}, input", project),
        _cost(r["input_cached_tokens"] * 1.25e-6, f"{model}, cached input", project),
        _cost(r["output_tokens"] * 1e-5, f"{model}, output", project),
    ]
    if rng.random() < 0.3:
        out.append(_cost(f"{r['output_tokens'] * 2e-6:.16f}", f"priority | {model}, output, long context", project))
    if r.get("input_audio_tokens"):
        out.append(_cost(r["input_audio_tokens"] * 4e-5, f"{model.rsplit('-', 3)[0]} audio, input", project))
    return out


def _cost(value, line_item: str, project: str | None) -> dict:
    return {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": "usd"},
        "line_item": line_item,
        "project_id": project,
    }


def measure(source: str, files: list[str], out: Path, root: Path) -> dict:
    """Run ``org-analytics import SOURCE FILES --out OUT`` from the checkout ``root`` in a fresh
    process: its wall time, its own peak RSS (``wait4``'s rusage, not this process's) and the row
    counts it printed; or the last error line when it failed."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "org_analytics_widgets", "import", source, *files, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,  # ``-m`` imports the package of the working directory first: that checkout's code
    )
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    wrote = re.search(r"^wrote .*?: (.*?)(;| \(open it)", stderr, re.MULTILINE)
    if child.returncode or wrote is None:
        lines = stderr.strip().splitlines()
        error = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "?")
        return {"error": error[:200]}
    counts = {table: int(n.replace(",", "")) for n, table in re.findall(r"(\d[\d,]*) (\w+)", wrote.group(1))}
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "counts": counts}


def run(source: str, generate, scale: int, keep: Path | None, root: Path) -> dict:
    """Generate the export at ``scale`` into a temporary folder and measure its import."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{source}-") as tmp:
        folder = Path(tmp)
        files = generate(folder, scale)
        size = sum(os.path.getsize(f) for f in files)
        got = measure(source, files, (keep or folder) / f"warehouse-x{scale}", root)
        got.update(scale=scale, export_mb=size / 2**20)
        return got


def main(source: str = "openai", generate=generate, results: Path = HERE / "RESULTS-openai-import.md") -> None:
    """Measure each ``--scales`` import and append one table to ``results``."""
    parser = argparse.ArgumentParser(description=f"org-analytics import {source} at scale: time and peak RSS")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--keep", type=Path, help="write the warehouses here instead of a temp folder")
    parser.add_argument("--root", type=Path, default=HERE.parent, help="import the code from this checkout")
    parser.add_argument("--label", default="", help="a note for the results table (e.g. the commit)")
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        began = time.perf_counter()
        row = run(source, generate, scale, args.keep, args.root.resolve())
        row["wall"] = time.perf_counter() - began
        print(json.dumps(row), flush=True)
        rows.append(row)
    lines = [
        f"\n### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} {args.label}\n",
        "| scale | export on disk | requests | items | import time | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['scale']}x | {row['export_mb']:.1f} MB | | | failed: {row['error']} | |")
            continue
        c = row["counts"]
        lines.append(
            f"| {row['scale']}x | {row['export_mb']:.1f} MB | {c['usage_requests']:,} | {c['usage_items']:,} "
            f"| {row['seconds']:.1f} s | {row['peak_rss_mb']:.0f} MB |"
        )
    if not results.exists():
        results.write_text(
            f"# `import {source}` at scale\n\nWritten by `benchmarks/bench_{source}_import.py` (see its docstring for"
            " the synthetic export). 2-core machine shared with other work: times are indicative.\n",
            encoding="utf-8",
        )
    with results.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
