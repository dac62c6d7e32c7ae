"""What every scenario shares: the run context, figures from timings, and timed launches.

Figures go to stdout (run.py prints them); everything else a scenario says goes to stderr.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCHMARKS_DIR / ".cache"


class ScenarioError(Exception):
    """A scenario could not produce its figures. `figures` are those it did get (kept in the line)."""

    def __init__(self, message: str, **figures: object) -> None:
        super().__init__(message)
        self.figures = figures


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Context:
    """What run.py hands a scenario."""

    runs: int | None = None  # --runs: overrides each scenario's own default
    python: str = sys.executable
    cache_dir: Path = CACHE_DIR
    _boroughs: dict[float, Path] = field(default_factory=dict)

    def runs_or(self, default: int) -> int:
        return self.runs if self.runs is not None else default

    def borough(self, scale: float = 1.0) -> Path:
        """The synthetic borough's SQLite file, generated once and reused from the cache.

        Scenarios must not write to it: copy it first if the scenario changes data."""
        if scale not in self._boroughs:
            from generate import ensure_borough

            self._boroughs[scale] = ensure_borough(self.cache_dir, scale=scale, progress=log)
        return self._boroughs[scale]


# ---- figures -------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default), so p95 of few runs is
    between the two slowest rather than always the slowest."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(timings_s: Sequence[float], prefix: str = "") -> dict[str, float]:
    """median_ms, p95_ms, min_ms and max_ms of timings in seconds, keys optionally prefixed."""
    ms = [t * 1000 for t in timings_s]
    return {
        f"{prefix}median_ms": round(percentile(ms, 0.5), 1),
        f"{prefix}p95_ms": round(percentile(ms, 0.95), 1),
        f"{prefix}min_ms": round(min(ms), 1),
        f"{prefix}max_ms": round(max(ms), 1),
    }


# ---- timed launches ------------------------------------------------------------------------


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def time_until_line(
    command: Sequence[str],
    line_prefix: str,
    *,
    env: Mapping[str, str],
    timeout_s: float = 30.0,
    cwd: str | Path | None = None,
) -> float:
    """Launch `command` as a fresh process and return the wall-clock seconds from just before
    the launch until it writes a line starting with `line_prefix` to stdout. The process must
    then exit by itself with code 0 (not timed).

    Raises ScenarioError if the line does not come within `timeout_s`, or the process exits
    without it, or fails afterwards; the error carries the tail of its stderr."""
    seen = threading.Event()
    arrived: list[float] = []
    other_output: list[str] = []

    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=subprocess.PIPE, stderr=stderr, env=dict(env), cwd=cwd,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )

        def watch_stdout() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if not seen.is_set() and line.startswith(line_prefix):
                    arrived.append(time.perf_counter())
                    seen.set()
                elif len(other_output) < 50:
                    other_output.append(line.rstrip("\n"))
            seen.set()  # end of output: wake the waiter either way

        reader = threading.Thread(target=watch_stdout, daemon=True)
        reader.start()
        shown = seen.wait(timeout_s)
        try:
            if not shown:
                raise ScenarioError(
                    f"no '{line_prefix}' line on stdout within {timeout_s:g} s; the process was stopped"
                    + _stderr_note(stderr, other_output)
                )
            try:
                code = process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                raise ScenarioError(
                    f"wrote '{line_prefix}' but did not exit within {timeout_s:g} s afterwards; it was stopped"
                    + _stderr_note(stderr, other_output)
                ) from None
            if not arrived:
                raise ScenarioError(
                    f"exited with code {code} without writing a '{line_prefix}' line"
                    + _stderr_note(stderr, other_output)
                )
            if code != 0:
                raise ScenarioError(
                    f"wrote '{line_prefix}' but then exited with code {code}" + _stderr_note(stderr, other_output)
                )
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            reader.join(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
    return arrived[0] - started


def _stderr_note(stderr, other_output: list[str]) -> str:
    stderr.flush()
    stderr.seek(0)
    text = _tail(stderr.read())
    note = ""
    if other_output:
        note += "; its other stdout: " + " | ".join(other_output[-5:])
    if text:
        note += "; its stderr ends:\n" + text
    return note
