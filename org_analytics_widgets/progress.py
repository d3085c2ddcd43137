"""Progress of the CLI's long steps on stderr: a rich bar on a terminal, else one plain line per step.

``demo-data``, ``rollup`` and the first use of the embedded demo share it. Nothing is printed
until the first report, so a step that turns out to have nothing to do stays silent. Off a
terminal (a log, CI, a pipe) each new step is one line, with no carriage return and no bar.

>>> with Progress("demo-data") as progress:                    # doctest: +SKIP
...     generate_demo(path, progress=progress.fraction)
org-analytics: demo-data: preparing 0%
org-analytics: demo-data: generated 2025-12 10%
"""

from __future__ import annotations

import sys


class Progress:
    """Report ``progress(step, done, total)`` (the rollup build) or ``progress.fraction(message,
    fraction)`` (the demo generator) for ``command``; use it as a context manager."""

    def __init__(self, command: str) -> None:
        self.command = command
        self._bar = None
        self._task = None
        self._last_line = ""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, step: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            line = f"org-analytics: {self.command}: {step} {done / max(total, 1):.0%}"
            if line != self._last_line:
                print(line, file=sys.stderr, flush=True)
                self._last_line = line
            return
        if self._bar is None:
            self._start()
        self._bar.update(self._task, description=f"{self.command}: {step}", completed=done, total=total)

    def fraction(self, message: str, fraction: float) -> None:
        """``progress(message, fraction)`` with ``fraction`` in [0, 1], as ``generate_demo`` calls it."""
        self(message, round(100 * min(max(fraction, 0.0), 1.0)), 100)

    def _start(self) -> None:
        from rich.console import Console  # only on a terminal: rich takes a while to import
        from rich.progress import BarColumn, Progress as Bar, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            redirect_stdout=False,
        )
        self._task = self._bar.add_task(self.command)
        self._bar.start()
